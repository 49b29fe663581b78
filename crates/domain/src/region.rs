//! Regions: district → streets → communities and villages, with parks and business districts as
//! areas. Separate from the org tree: coverage is "which regions have which kinds of org".

use crate::code::code_enum;

code_enum!(RegionKind, "kind", "区域类型" {
    District => "district", "区";
    Street => "street", "街道";
    Community => "community", "社区";
    Village => "village", "村";
    Area => "area", "园区商圈";
});

impl RegionKind {
    /// Communities and villages: the level of the "community" coverage figures.
    pub fn is_community_level(self) -> bool {
        matches!(self, Self::Community | Self::Village)
    }
}

code_enum!(
    /// The six national sector classes of league organisations.
    NationalClass, "national_class", "领域大类" {
    School => "school", "学校";
    Enterprise => "enterprise", "企业";
    TownshipVillage => "township_village", "乡镇村";
    GovernmentInstitution => "government_institution", "机关事业单位";
    StreetCommunity => "street_community", "街道社区";
    SocialOrganisation => "social_organisation", "社会组织";
});

code_enum!(
    /// How an org is set up: around a unit, an area (park, business district) or an industry.
    OrgBasis, "basis", "组建方式" {
    Unit => "unit", "单位建";
    Area => "area", "区域化";
    Industry => "industry", "行业";
});

/// The first letters of the pinyin of a Chinese name (`张三` → `zs`), for quick search; other
/// characters are kept as they are, lower-cased.
pub fn pinyin_initials(text: &str) -> String {
    use pinyin::ToPinyin;
    text.chars()
        .filter_map(|c| match c.to_pinyin() {
            Some(p) => p.first_letter().chars().next(),
            None if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            None => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials() {
        assert_eq!(pinyin_initials("张三"), "zs");
        assert_eq!(pinyin_initials("城阳街道团工委"), "cyjdtgw");
        assert_eq!(pinyin_initials("A座1号"), "az1h");
    }
}
