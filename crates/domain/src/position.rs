//! Positions: a person holding a title in an org, with how they are employed and where they came
//! from; the work force is counted from these.

use crate::code::code_enum;

code_enum!(Title, "title", "职务" {
    Secretary => "secretary", "书记";
    DeputySecretary => "deputy_secretary", "副书记";
    Member => "member", "委员";
    Director => "director", "主任";
    Staff => "staff", "工作人员";
});

code_enum!(Employment, "employment", "任职方式" {
    FullTime => "full_time", "专职";
    PartTime => "part_time", "兼职";
    Seconded => "seconded", "挂职";
    SocialWorker => "social_worker", "社工";
    VolunteerCore => "volunteer_core", "志愿者骨干";
});

code_enum!(CadreSource, "source", "来源" {
    TwoCommittees => "two_committees", "两委委员";
    GoodRuralYouth => "good_rural_youth", "乡村好青年";
    SocialSelection => "social_selection", "社会化选拔";
    PurchasedService => "purchased_service", "购买服务";
    Election => "election", "选举产生";
    Other => "other", "其他";
});

code_enum!(
    /// For seconded and part-time cadres: the level of the league they serve at.
    ServingLevel, "serving_level", "挂兼职层级" {
    District => "district", "区级";
    Street => "street", "街道级";
    Community => "community", "社区级";
});
