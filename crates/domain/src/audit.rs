//! The typed audit actions. Each has a stable code stored in the audit log and a Chinese label.

use crate::code::code_enum;

macro_rules! audit_actions {
    ($($variant:ident => $code:literal, $label:literal, $security:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
        pub enum AuditAction { $($variant),* }

        impl AuditAction {
            pub const ALL: &'static [AuditAction] = &[$(Self::$variant),*];

            pub fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),* }
            }

            pub fn label(self) -> &'static str {
                match self { $(Self::$variant => $label),* }
            }

            /// Security events (logins, denials, exports) as opposed to changes of data.
            pub fn is_security_event(self) -> bool {
                match self { $(Self::$variant => $security),* }
            }

            pub fn parse(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|a| a.code() == code)
            }
        }
    };
}

audit_actions! {
    LoginSucceeded => "auth.login", "登录成功", true;
    LoginFailed => "auth.login_failed", "登录失败", true;
    AccountLocked => "auth.locked", "账户锁定", true;
    AccountAutoDisabled => "auth.dormant_disabled", "长期未使用的账户自动停用", true;
    Reauthenticated => "auth.reauth", "敏感操作前再次验证密码", true;
    ReauthenticationFailed => "auth.reauth_failed", "敏感操作前验证密码失败", true;
    Logout => "auth.logout", "退出登录", true;
    PasswordChanged => "auth.password_changed", "修改密码", true;
    SecondFactorEnabled => "auth.second_factor_enabled", "启用两步验证", true;
    SecondFactorDisabled => "auth.second_factor_disabled", "停用两步验证", true;
    SecondFactorFailed => "auth.second_factor_failed", "两步验证码错误", true;
    RecoveryCodeUsed => "auth.recovery_code_used", "使用恢复码登录", true;
    RecoveryCodesRenewed => "auth.recovery_codes_renewed", "重新生成恢复码", true;
    AccessDenied => "security.denied", "拒绝访问", true;
    CsrfRejected => "security.csrf_rejected", "拒绝跨站请求", true;
    Exported => "data.export", "导出数据", true;
    PersonLookedUp => "person.looked_up", "按身份证号码或手机号码查找人员", true;
    UserCreated => "user.create", "创建用户", false;
    UserDisabled => "user.disable", "停用用户", false;
    UserEnabled => "user.enable", "启用用户", false;
    PasswordReset => "user.password_reset", "重置密码", false;
    SecondFactorReset => "user.second_factor_reset", "重置两步验证", true;
    SessionsEnded => "user.sessions_ended", "结束会话", true;
    RoleAssigned => "user.role_assigned", "分配角色", false;
    RoleRevoked => "user.role_revoked", "撤销角色", false;
    RolePermissionsChanged => "role.permissions_changed", "修改角色权限", false;
    TokenCreated => "token.create", "创建访问令牌", true;
    TokenRevoked => "token.revoke", "撤销访问令牌", true;
    OrgCreated => "org.create", "创建组织", false;
    OrgDissolved => "org.dissolve", "撤销组织", false;
    OrgHonoured => "org.honour", "记录荣誉", false;
    OrgMoved => "org.move", "调整上级组织", false;
    OrgUpdated => "org.update", "修改组织", false;
    TeamFormed => "volunteer.team_formed", "组建青年突击队", false;
    TeamChanged => "volunteer.team_changed", "调整青年突击队", false;
    CallPublished => "volunteer.call_published", "发布招募令", false;
    CallChanged => "volunteer.call_changed", "修改招募令", false;
    CallClosed => "volunteer.call_closed", "关闭招募令", false;
    PosterSet => "poster.set", "上传海报", false;
    TurnoutsRecorded => "volunteer.turnouts", "登记志愿者出勤", false;
    PeopleServedRecorded => "volunteer.people_served", "登记服务人次", false;
    DonationRecorded => "donation.record", "登记捐款捐物", false;
    SignedUp => "portal.signup", "公众报名", false;
    SignupCancelled => "portal.signup_cancelled", "取消报名", false;
    CheckedIn => "volunteer.checked_in", "志愿者签到", false;
    CheckedOut => "volunteer.checked_out", "志愿者签退", false;
    CheckinRefused => "security.checkin_replayed", "拒绝重复使用签到码", true;
    HoursRequested => "volunteer.hours_requested", "申请补录服务时长", false;
    HoursApproved => "volunteer.hours_approved", "批准补录服务时长", false;
    HoursRejected => "volunteer.hours_rejected", "驳回补录服务时长", false;
    HoursRevoked => "volunteer.hours_revoked", "核减服务时长", false;
    ProjectCreated => "project.create", "创建项目", false;
    IndicatorRecorded => "project.indicator", "登记项目指标", false;
    ActivityPublished => "activity.publish", "发布活动", false;
    SignupDecided => "activity.signup_decided", "审核活动报名", false;
    SignupsRegistered => "activity.signups_registered", "登记现场报名", false;
    AttendanceMarked => "activity.attendance", "登记活动参加情况", false;
    RateLimited => "security.rate_limited", "请求过于频繁被拒绝", true;
    SectorChanged => "sector.update", "修改领域设置", false;
    SettingChanged => "settings.update", "修改系统设置", false;
    PeopleMerged => "person.merge", "合并重复人员", false;
    RegionCreated => "region.create", "创建区域", false;
    PopulationRecorded => "region.population", "登记青年人口", false;
    PersonCreated => "person.create", "登记人员", false;
    PersonUpdated => "person.update", "修改人员信息", false;
    PersonUnmasked => "person.unmask", "查看完整个人信息", true;
    MinorAccessApproved => "minor_access.approve", "批准查看未成年人信息", true;
    MinorAccessRevoked => "minor_access.revoke", "撤销未成年人信息查看审批", true;
    MinorAccessed => "minor_access.view", "查看未成年人信息", true;
    PositionCreated => "position.create", "任职", false;
    PositionEnded => "position.end", "离任", false;
    LetterSigned => "letter.sign", "签订责任状", false;
    LetterTargetSet => "letter.target", "设定责任状目标", false;
    LetterTargetRemoved => "letter.target_removed", "删除责任状目标", false;
    LetterTargetJudged => "letter.judge", "评定责任状定性目标", false;
    LetterDocumentAttached => "letter.document", "上传责任状签字文本", false;
    InspectionRecorded => "inspection.create", "登记互检观摩", false;
    InspectionPhotoAdded => "inspection.photo", "上传互检观摩照片", false;
    RectificationRaised => "rectification.raise", "提出整改事项", false;
    RectificationClosed => "rectification.close", "整改销号", false;
    SelfOrgCreated => "self_org.create", "登记青年自组织", false;
    SelfOrgDissolved => "self_org.dissolve", "青年自组织解散", false;
    ReviewCreated => "review.create", "组织述职评议", false;
    ReviewRatersAdded => "review.raters", "添加评议人", false;
    ReviewLinkReissued => "review.reissue", "重发评议链接", false;
    ReviewBallotCast => "review.ballot", "提交评议票", false;
    ReviewConcluded => "review.conclude", "公布述职评议结果", false;
    AssessmentPublished => "assessment.publish", "发布考核通报", false;
    OpeningCreated => "opening.create", "发布选拔公告", false;
    ApplicationSubmitted => "application.submit", "报名参加选拔", false;
    ApplicationChecked => "application.check", "选拔资格审查", false;
    ApplicationScored => "application.score", "登记选拔成绩", false;
    NoticeStarted => "opening.notice", "选拔结果公示", false;
    ObjectionRaised => "objection.raise", "公示期间提出异议", false;
    ObjectionResolved => "objection.resolve", "处理公示异议", false;
    ApplicantsAppointed => "opening.appoint", "选拔任用", false;
    ApplicationsPurged => "application.purge", "删除过期报名信息", true;
    PartnerCreated => "partner.create", "登记合作伙伴", false;
    ContractSigned => "contract.sign", "签订购买服务合同", false;
    ContractWorkerPlaced => "contract.worker", "登记购买服务派驻社工", false;
    SocietyCreated => "society.create", "登记青年社团", false;
    SocietyLinked => "society.link", "变更青年社团联系程度", false;
    SocietyCounted => "society.members", "登记青年社团成员人数", false;
    SocietyLeaderAdded => "society.leader", "登记青年社团负责人", false;
    SocietyDissolved => "society.dissolve", "青年社团解散", false;
    ContributionRecorded => "contribution.record", "登记资源台账", false;
    ContributionDocumentAttached => "contribution.document", "上传资源台账凭证", false;
    ContributionReversed => "contribution.reverse", "冲销资源台账记录", false;
    LoanProductCreated => "loan.product", "登记贷款产品", false;
    LoanProductChanged => "loan.product_changed", "修改贷款产品", false;
    LoanProductClosed => "loan.product_closed", "停办贷款产品", false;
    LoanApplied => "loan.apply", "贷款申请", false;
    LoanRecommended => "loan.recommend", "推荐贷款申请", false;
    LoanDeclined => "loan.decline", "不予推荐贷款申请", false;
    LoanApproved => "loan.approve", "银行批准贷款", false;
    LoanRefused => "loan.refuse", "银行未批准贷款", false;
    LoanDisbursed => "loan.disburse", "贷款放款", false;
    LoanFollowedUp => "loan.follow_up", "贷款回访", false;
    LoanUnmasked => "loan.unmask", "查看贷款申请人完整身份证号", true;
    CaseOpened => "case.open", "登记咨询个案", false;
    CaseAssigned => "case.assign", "指派咨询师", false;
    CaseFollowedUp => "case.follow_up", "咨询个案跟进", false;
    CaseClosed => "case.close", "咨询个案结案", false;
    CaseViewed => "case.view", "查看咨询个案内容", true;
    StationCreated => "station.create", "登记青年驿站", false;
    StayBooked => "stay.book", "预订驿站床位", false;
    StayChanged => "stay.change", "驿站入住登记", false;
    StayFollowedUp => "stay.follow_up", "驿站就业回访", false;
    CabinOpened => "cabin.open", "登记希望小屋儿童", false;
    CabinBuilt => "cabin.build", "希望小屋建成", false;
    CabinPaired => "cabin.pair", "结对志愿者", false;
    CabinVisited => "cabin.visit", "希望小屋探访", false;
    TemplateSaved => "bulletin_template.save", "保存简报模板", false;
    BulletinSaved => "bulletin.save", "保存工作简报", false;
    ReportPublished => "report.publish", "发布并冻结报告", false;
    MessageRetried => "message.retry", "重新发送消息", false;
    MessageOptedOut => "message.opt_out", "退订消息", false;
    AgreementSigned => "agreement.sign", "签订合作协议", false;
    AgreementDocumentAttached => "agreement.document", "上传合作协议文本", false;
    VenueCreated => "venue.create", "登记阵地", false;
    VenueSpaceAdded => "venue.space", "登记阵地空间", false;
    VenueClosed => "venue.close", "阵地停用", false;
    VenueTeamAdded => "venue.team", "登记阵地运营团队成员", false;
    VenueTeamLeft => "venue.team_left", "阵地运营团队成员离开", false;
    VenueSpaceChanged => "venue.space_change", "修改阵地空间", false;
    VenuePhotoAdded => "venue.photo", "上传阵地照片", false;
    VenuePhotoRemoved => "venue.photo_remove", "删除阵地照片", false;
    BookingRequested => "booking.request", "预约阵地空间", false;
    BookingDecided => "booking.decide", "审核空间预约", false;
    BookingCancelled => "booking.cancel", "取消空间预约", false;
    BookingUsed => "booking.use", "登记空间使用", false;
    CommunityCreated => "community.create", "登记网上青年社群", false;
    CommunityCounted => "community.members", "登记网上青年社群成员数", false;
    CommunityListed => "community.list", "导入网上青年社群成员名单", false;
    CommunityClosed => "community.close", "网上青年社群关闭", false;
    Imported => "data.import", "导入数据", false;
}

code_enum!(
    /// The kinds of object an audit row can refer to.
    ObjectKind, "object_kind", "对象类型" {
    User => "user", "用户";
    Role => "role", "角色";
    Org => "org", "组织";
    Token => "token", "访问令牌";
    Session => "session", "会话";
    AuditLog => "audit_log", "审计日志";
    Page => "page", "页面";
    Region => "region", "区域";
    Person => "person", "人员";
    Position => "position", "职务";
    Letter => "letter", "责任状";
    Inspection => "inspection", "互检观摩";
    Rectification => "rectification", "整改事项";
    SelfOrg => "self_org", "青年自组织";
    Review => "review", "述职评议";
    Assessment => "assessment", "考核通报";
    Opening => "opening", "选拔公告";
    Application => "application", "选拔报名";
    Partner => "partner", "合作伙伴";
    Contract => "contract", "购买服务合同";
    Society => "society", "青年社团";
    Community => "community", "网上青年社群";
    Contribution => "contribution", "资源台账";
    Venue => "venue", "阵地";
    Agreement => "agreement", "合作协议";
    Booking => "booking", "空间预约";
    LoanProduct => "loan_product", "贷款产品";
    Loan => "loan", "贷款申请";
    Case => "case", "咨询个案";
    Station => "station", "青年驿站";
    Stay => "stay", "驿站入住";
    Cabin => "cabin", "希望小屋";
    BulletinTemplate => "bulletin_template", "简报模板";
    Bulletin => "bulletin", "工作简报";
    FrozenReport => "frozen_report", "已发布报告";
    Message => "message", "消息";
    Call => "call", "招募令";
    Activity => "activity", "活动";
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let mut codes: Vec<&str> = AuditAction::ALL.iter().map(|a| a.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), AuditAction::ALL.len());
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.code()), Some(*a));
        }
    }
}
