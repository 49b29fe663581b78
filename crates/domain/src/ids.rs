//! Typed identifiers: a `UserId` can never be passed where an `OrgId` is expected.

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }
    };
}

id_type!(
    /// A login account.
    UserId
);
id_type!(
    /// A league organisation (a node of the org tree).
    OrgId
);
id_type!(
    /// A role: a named set of permissions.
    RoleId
);
id_type!(
    /// One assignment of a role to a user, scoped to an org subtree.
    AssignmentId
);
id_type!(
    /// A personal access token for the JSON API.
    TokenId
);
id_type!(
    /// A row of the audit log.
    AuditId
);
id_type!(
    /// A responsibility letter (责任状) between an org and the org above it.
    LetterId
);
id_type!(
    /// One target of a responsibility letter.
    TargetId
);
id_type!(
    /// A mutual inspection (互检观摩) of an org.
    InspectionId
);
id_type!(
    /// A rectification item (整改事项) raised by an inspection.
    RectificationId
);
id_type!(
    /// A youth self-organisation (青年自组织) guided by a league org.
    SelfOrgId
);
id_type!(
    /// A duty-report review round (述职评议).
    ReviewId
);
id_type!(
    /// An opening of open selection (社会化选拔) for places in an org.
    OpeningId
);
id_type!(
    /// An application to an opening.
    ApplicationId
);
id_type!(
    /// An objection raised during a public notice (公示).
    ObjectionId
);
id_type!(
    /// A partner (合作伙伴): an enterprise, association, social organisation, bank… league orgs work with.
    PartnerId
);
id_type!(
    /// A contract by which an org buys services from a partner (购买服务).
    ContractId
);
id_type!(
    /// A published assessment (通报考核) of an org's year.
    AssessmentId
);
id_type!(
    /// A rater of a review round, who grades through a private link.
    RaterId
);
id_type!(
    /// A youth society (青年社团) guided by a league org.
    SocietyId
);
id_type!(
    /// An online youth community (网上青年社群) owned by a league org.
    CommunityId
);
id_type!(
    /// A venue (阵地) run by a league org.
    VenueId
);
id_type!(
    /// A bookable space of a venue.
    SpaceId
);
id_type!(
    /// A booking of a space.
    BookingId
);
id_type!(
    /// A cooperation agreement with a partner.
    AgreementId
);
id_type!(
    /// A loan product a partner bank offers young entrepreneurs (e.g. 青创先锋贷).
    LoanProductId
);
id_type!(
    /// An application for a youth entrepreneurship loan.
    LoanId
);
id_type!(
    /// A consultation case (法律护航 and others).
    CaseId
);
id_type!(
    /// A youth station (青年驿站).
    StationId
);
id_type!(
    /// A stay at a youth station.
    StayId
);
id_type!(
    /// A hope cabin (希望小屋), one per child.
    CabinId
);
id_type!(
    /// A work bulletin (工作简报).
    BulletinId
);
id_type!(
    /// A report frozen as published.
    FrozenReportId
);
id_type!(
    /// A volunteer activity (志愿活动), published with its places.
    ActivityId
);
id_type!(
    /// One person's sign-up for an activity.
    ActivitySignupId
);
id_type!(
    /// A service project (服务项目) and its indicators.
    ProjectId
);
id_type!(
    /// A call for volunteers (招募), made of shifts.
    CallId
);
id_type!(
    /// One shift of a call: a place, a time and its places.
    ShiftId
);
id_type!(
    /// One volunteer's sign-up for a shift.
    ShiftSignupId
);
id_type!(
    /// A volunteer's turn-out at a shift, credited with hours.
    TurnoutId
);
id_type!(
    /// A volunteer team (志愿服务队).
    TeamId
);
id_type!(
    /// A person in the registry (团员、团干部、志愿者…), whoever holds their records.
    PersonId
);
id_type!(
    /// A post held by a person in an org, from a start date to an end date.
    PositionId
);
id_type!(
    /// Hours added to or revoked from a turn-out by hand, waiting for approval or decided.
    AdjustmentId
);
id_type!(
    /// A standing approval to see minors' records over an org.
    MinorApprovalId
);
id_type!(
    /// A message in the outbox.
    MessageId
);
id_type!(
    /// A photo of a venue.
    VenuePhotoId
);
id_type!(
    /// A photo taken at an inspection.
    InspectionPhotoId
);
id_type!(
    /// A line of the contributions ledger.
    LedgerLineId
);
id_type!(
    /// A member of a venue's operating team.
    VenueMemberId
);
id_type!(
    /// A volunteer paired with a hope cabin's child.
    PairingId
);
id_type!(
    /// An indicator of a project.
    ProjectIndicatorId
);
id_type!(
    /// A region: a street or a community (村居) of the district's map.
    RegionId
);
id_type!(
    /// A group of raters in a duty-report review, with its weight and quorum.
    RaterGroupId
);
