//! Duty-report reviews (述职评议): in a round, the secretaries of some orgs report on their year
//! and raters, in groups with weights and quorums, grade each of them 好, 较好, 一般 or 差. A
//! reporter's score is the weighted mean over the groups of the mean of the group's grades (as
//! points); the score gives the reporter's grade. A rater may give 好 to a capped share of the
//! reporters. The defaults follow 团中央组织部《基层团组织书记述职评议考核暂行办法》 and the local
//! practice read in `reference/programmes.md` (weights 20/30/30/20, quorum over two thirds, the
//! youth vote valid from half, 好 at most 30 %).

use crate::code::code_enum;
use crate::{FieldError, Invalid};

code_enum!(
    /// A rater's grade for a reporter, and a reporter's grade from its score.
    Grade, "grade", "评议等次" {
    Good => "good", "好";
    FairlyGood => "fairly_good", "较好";
    Average => "average", "一般";
    Poor => "poor", "差";
});

impl Grade {
    /// The points a rater's grade is worth.
    pub fn points(self) -> f64 {
        match self {
            Self::Good => 100.0,
            Self::FairlyGood => 80.0,
            Self::Average => 60.0,
            Self::Poor => 40.0,
        }
    }

    /// A reporter's grade from its score: 90 and above 好, 75 较好, 60 一般, below 差.
    pub fn of_score(score: f64) -> Self {
        if score >= 90.0 {
            Self::Good
        } else if score >= 75.0 {
            Self::FairlyGood
        } else if score >= 60.0 {
            Self::Average
        } else {
            Self::Poor
        }
    }
}

/// The most 好 one rater may give among `reporters`: the cap's share rounded down, but at least
/// one (a round of two still lets a rater name its best).
pub fn good_allowed(reporters: usize, cap_percent: i32) -> usize {
    let share = reporters * usize::try_from(cap_percent.clamp(0, 100)).unwrap_or(0) / 100;
    share.max(1).min(reporters)
}

/// A rater group as typed on a line: `名称 权重 法定比例`, e.g. `团区委 20 67`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSpec {
    pub name: String,
    /// The group's weight in a reporter's score (its share of the weights of all groups).
    pub weight: i32,
    /// The share of the group's raters, in per cent, whose ballots make its vote valid.
    pub quorum: i32,
}

/// The groups of a new round when the organiser changes nothing.
pub const DEFAULT_GROUPS: &str = "团区委 20 67\n同级团组织书记 30 67\n社区代表 30 67\n青年代表 20 50";

/// Reads the groups of a round, one a line; every problem says its line.
pub fn parse_groups(text: &str) -> Result<Vec<GroupSpec>, Invalid> {
    let mut groups: Vec<GroupSpec> = Vec::new();
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let typed: String = line.chars().map(crate::person::half_width).collect();
        let parts: Vec<&str> = typed.split_whitespace().collect();
        let parsed = match parts.as_slice() {
            [name, weight, quorum] => match (weight.parse::<i32>(), quorum.trim_end_matches('%').parse::<i32>()) {
                (Ok(w), Ok(q)) if (1..=100).contains(&w) && (1..=100).contains(&q) && name.chars().count() <= 50 => {
                    Some(GroupSpec { name: (*name).to_owned(), weight: w, quorum: q })
                }
                _ => None,
            },
            _ => None,
        };
        match parsed {
            Some(g) if groups.iter().any(|x| x.name == g.name) => {
                problems.push(FieldError::new("groups", format!("评议组第 {} 行：“{}”重复", n + 1, g.name)));
            }
            Some(g) => groups.push(g),
            None => problems.push(FieldError::new(
                "groups",
                format!("评议组第 {} 行应写成“名称 权重 法定比例%”（权重、比例为 1–100），如“团区委 20 67”", n + 1),
            )),
        }
    }
    if groups.is_empty() && problems.is_empty() {
        problems.push(FieldError::new("groups", "请至少设置一个评议组"));
    }
    if groups.len() > 10 {
        problems.push(FieldError::new("groups", "评议组不超过 10 个"));
    }
    if problems.is_empty() { Ok(groups) } else { Err(Invalid(problems)) }
}

/// Whether `submitted` ballots of a group of `raters` reach its quorum (per cent).
pub fn quorum_reached(submitted: usize, raters: usize, quorum: i32) -> bool {
    raters > 0 && submitted * 100 >= raters * usize::try_from(quorum).unwrap_or(100)
}

/// A reporter's score, to one decimal: the weighted mean, over the groups that graded it, of the
/// mean points of each group's grades. `groups` holds (weight, the group's grades for the reporter).
pub fn score(groups: &[(i32, Vec<Grade>)]) -> Option<f64> {
    let graded: Vec<(f64, f64)> = groups
        .iter()
        .filter(|(_, grades)| !grades.is_empty())
        .map(|(w, grades)| (f64::from(*w), grades.iter().map(|g| g.points()).sum::<f64>() / grades.len() as f64))
        .collect();
    let weights: f64 = graded.iter().map(|(w, _)| w).sum();
    // Rounded to one decimal, as kept and shown, so the grade follows the score people read.
    (weights > 0.0).then(|| (graded.iter().map(|(w, mean)| w * mean).sum::<f64>() / weights * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_on_good_is_the_share_rounded_down_but_at_least_one() {
        assert_eq!(good_allowed(10, 30), 3);
        assert_eq!(good_allowed(8, 30), 2);
        assert_eq!(good_allowed(4, 30), 1);
        assert_eq!(good_allowed(2, 30), 1);
        assert_eq!(good_allowed(4, 100), 4);
    }

    #[test]
    fn groups_are_read_a_line_each() {
        let g = parse_groups(DEFAULT_GROUPS).unwrap();
        assert_eq!(g.len(), 4);
        assert_eq!(g[3], GroupSpec { name: "青年代表".into(), weight: 20, quorum: 50 });
        assert_eq!(parse_groups("团区委　２０　６７％").unwrap()[0].weight, 20);
        assert!(parse_groups("团区委 20").is_err());
        assert!(parse_groups("团区委 0 67").is_err());
        assert!(parse_groups("团区委 20 67\n团区委 30 67").is_err());
        assert!(parse_groups("").is_err());
    }

    #[test]
    fn quorum_is_a_share_of_the_group() {
        assert!(!quorum_reached(2, 3, 67));
        assert!(quorum_reached(3, 3, 67));
        assert!(quorum_reached(1, 2, 50));
        assert!(!quorum_reached(0, 0, 50));
    }

    #[test]
    fn the_score_weighs_each_groups_mean() {
        use Grade::*;
        let s = score(&[(20, vec![Good, Good]), (30, vec![FairlyGood]), (50, vec![Average, Good])]).unwrap();
        assert!((s - (20.0 * 100.0 + 30.0 * 80.0 + 50.0 * 80.0) / 100.0).abs() < 1e-9);
        // Kept and graded to one decimal: (100 + 2 × 93.33) / 3 = 95.56 → 95.6.
        assert_eq!(score(&[(1, vec![Good]), (2, vec![Good, Good, FairlyGood])]), Some(95.6));
        assert_eq!(Grade::of_score(s), FairlyGood);
        assert_eq!(Grade::of_score(90.0), Good);
        assert_eq!(Grade::of_score(59.99), Poor);
        assert_eq!(score(&[(20, vec![])]), None);
    }
}
