//! The minimal org tree of the platform spine: each node has a code, a name, a kind and a parent.

use chrono::NaiveDate;

use crate::Invalid;

/// The founding date kept for an org whose founding date is not known: before any league
/// organisation existed (the League dates from 1922), so the org exists on every date a figure can
/// be asked for and is never counted as new since a baseline. Shown as 未知, and listed for the
/// data to be completed.
pub const UNKNOWN_FOUNDING: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// A founding date as users read it: the date, or 未知.
pub fn founding_text(founded_on: NaiveDate) -> String {
    if founded_on == UNKNOWN_FOUNDING { "未知".into() } else { founded_on.to_string() }
}

/// The kinds of league organisation; codes are stable, names are what users read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    DistrictCommittee,
    WorkingCommittee,
    Committee,
    GeneralBranch,
    Branch,
    JointBranch,
    YouthWorkCommittee,
    PioneerWorkCommittee,
    Partner,
}

impl OrgKind {
    pub const ALL: [OrgKind; 9] = [
        Self::DistrictCommittee,
        Self::WorkingCommittee,
        Self::Committee,
        Self::GeneralBranch,
        Self::Branch,
        Self::JointBranch,
        Self::YouthWorkCommittee,
        Self::PioneerWorkCommittee,
        Self::Partner,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::DistrictCommittee => "district_committee",
            Self::WorkingCommittee => "working_committee",
            Self::Committee => "committee",
            Self::GeneralBranch => "general_branch",
            Self::Branch => "branch",
            Self::JointBranch => "joint_branch",
            Self::YouthWorkCommittee => "youth_work_committee",
            Self::PioneerWorkCommittee => "pioneer_work_committee",
            Self::Partner => "partner",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::DistrictCommittee => "团区委",
            Self::WorkingCommittee => "团工委",
            Self::Committee => "团委",
            Self::GeneralBranch => "团总支",
            Self::Branch => "团支部",
            Self::JointBranch => "联合团支部",
            Self::YouthWorkCommittee => "青工委",
            Self::PioneerWorkCommittee => "少工委",
            Self::Partner => "合作单位",
        }
    }

    /// League organisations proper; youth and pioneer work committees and partners are not.
    pub fn is_league_org(self) -> bool {
        matches!(
            self,
            Self::DistrictCommittee
                | Self::WorkingCommittee
                | Self::Committee
                | Self::GeneralBranch
                | Self::Branch
                | Self::JointBranch
        )
    }

    /// Accepts the code or the Chinese name.
    pub fn parse(code: &str) -> Result<Self, Invalid> {
        let code = code.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.code() == code || k.label() == code)
            .ok_or_else(|| Invalid::one("kind", format!("未知的组织类型“{code}”")))
    }
}

/// An org's code: what imports, the CLI and data scopes refer to it by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct OrgCode(String);

impl OrgCode {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let code = raw.trim();
        let ok = (1..=40).contains(&code.len())
            && code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if ok {
            Ok(Self(code.to_owned()))
        } else {
            Err(Invalid::one("code", "组织代码应为 1 至 40 位字母、数字、连字符、下划线或点"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for OrgCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An org's name as users write it.
pub fn parse_org_name(raw: &str) -> Result<String, Invalid> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Invalid::one("name", "组织名称不能为空，且不超过 100 个字"));
    }
    Ok(name.to_owned())
}

crate::code::code_enum!(
    /// What a youth self-organisation (青年自组织) gathers young people for.
    #[serde(rename_all = "snake_case")]
    SelfOrgKind, "kind", "自组织类型" {
    Interest => "interest", "兴趣爱好";
    PublicWelfare => "public_welfare", "公益服务";
    CultureSports => "culture_sports", "文体活动";
    Entrepreneurship => "entrepreneurship", "创业就业";
    Learning => "learning", "学习交流";
    Other => "other", "其他";
});
