//! Responsibility letters (责任状): each year an org signs a letter with the org above it, listing
//! targets with weights. A quantitative target names an indicator of the catalogue and a value to
//! reach; its progress is what the figures engine counts for the signer's subtree — never typed.
//! A qualitative target is judged by the upper org with a score out of 100.

use chrono::NaiveDate;

use crate::Invalid;

/// The first and last day of a letter's year: a target's period unless it says otherwise.
pub fn year_span(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((NaiveDate::from_ymd_opt(year, 1, 1)?, NaiveDate::from_ymd_opt(year, 12, 31)?))
}

/// The largest signed document accepted.
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;

/// The kinds of signed document accepted, recognised by their first bytes — never by the file's
/// name or the type the browser claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentType {
    Pdf,
    Png,
    Jpeg,
}

impl DocumentType {
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"%PDF-") {
            Some(Self::Pdf)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Png => "png",
            Self::Jpeg => "jpg",
        }
    }

    /// A file name safe to store and to send back in a header: letters, digits, CJK, `-_.` and
    /// spaces, at most 60 characters, ending in the extension of what the content is; `fallback`
    /// when nothing is left of the name.
    pub fn safe_name(self, raw: &str, fallback: &str) -> String {
        let stem = raw.rsplit(['/', '\\']).next().unwrap_or_default();
        let stem = stem.rsplit_once('.').map_or(stem, |(s, _)| s);
        let cleaned: String = stem
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' ' | '.'))
            .take(60)
            .collect::<String>()
            .trim()
            .to_owned();
        let stem = if cleaned.is_empty() { fallback } else { &cleaned };
        format!("{stem}.{}", self.extension())
    }

    /// Checks an upload: not empty, not too large, and a PDF, PNG or JPEG by its content.
    /// Every kind, for uploads that take any of them.
    pub const ALL: [Self; 3] = [Self::Pdf, Self::Png, Self::Jpeg];

    fn name(self) -> &'static str {
        match self {
            Self::Pdf => "PDF",
            Self::Png => "PNG",
            Self::Jpeg => "JPEG",
        }
    }

    /// Checks an upload of `what`: not empty, not too large, and one of the `accepted` kinds by its
    /// content.
    pub fn check(bytes: &[u8], what: &str, accepted: &[Self]) -> Result<Self, Invalid> {
        if bytes.is_empty() {
            return Err(Invalid::one("document", format!("请选择要上传的{what}")));
        }
        if bytes.len() > MAX_DOCUMENT_BYTES {
            return Err(Invalid::one(
                "document",
                format!("文件过大（{:.1} MB），{what}不能超过 8 MB", bytes.len() as f64 / 1_048_576.0),
            ));
        }
        let names: Vec<&str> = accepted.iter().map(|k| k.name()).collect();
        let names = match names.split_last() {
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} 或 {last}", rest.join("、")),
            None => String::new(),
        };
        Self::sniff(bytes)
            .filter(|k| accepted.contains(k))
            .ok_or_else(|| Invalid::one("document", format!("{what}只能是 {names} 文件")))
    }
}

/// How far a quantitative target is reached, from 0 to 1: the value counted over the target,
/// capped at 1 (over-fulfilling one target does not make up for another).
pub fn reached(actual: i64, target: i64) -> f64 {
    if target <= 0 { 1.0 } else { (actual as f64 / target as f64).clamp(0.0, 1.0) }
}

/// A letter's completion: its targets' completions weighted by their weights; `None` for a letter
/// without targets.
pub fn weighted(parts: impl IntoIterator<Item = (i32, f64)>) -> Option<f64> {
    let (mut sum, mut weights) = (0.0, 0i64);
    for (weight, completion) in parts {
        sum += f64::from(weight) * completion;
        weights += i64::from(weight);
    }
    (weights > 0).then(|| sum / weights as f64)
}

/// A completion as shown: `87.5%`.
pub fn percent(completion: f64) -> String {
    format!("{:.1}%", completion * 100.0)
}

/// A target's weight as typed: a whole number from 1 to 100.
pub fn parse_weight(raw: &str) -> Result<i32, Invalid> {
    match raw.trim().parse::<i32>() {
        Ok(w) if (1..=100).contains(&w) => Ok(w),
        _ => Err(Invalid::one("weight", "权重应为 1 到 100 的整数")),
    }
}

/// A qualitative target's score as typed: a whole number from 0 to 100.
pub fn parse_score(raw: &str) -> Result<i32, Invalid> {
    match raw.trim().parse::<i32>() {
        Ok(s) if (0..=100).contains(&s) => Ok(s),
        _ => Err(Invalid::one("score", "评分应为 0 到 100 的整数")),
    }
}

/// A quantitative target's value as typed: a whole number above 0.
pub fn parse_target(raw: &str) -> Result<i64, Invalid> {
    match raw.trim().parse::<i64>() {
        Ok(v) if v > 0 && v <= 1_000_000_000_000 => Ok(v),
        _ => Err(Invalid::one("target_value", "目标值应为大于 0 的整数")),
    }
}

/// The published assessment's (通报考核) weights of its three parts, each a whole number from 0
/// to 100, at least one above 0: the letter's completion, the duty-report review's score, the
/// inspections' score as a share of their maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct AssessmentWeights {
    pub letter: i32,
    pub review: i32,
    pub inspection: i32,
}

impl AssessmentWeights {
    pub const DEFAULT: Self = Self { letter: 50, review: 30, inspection: 20 };

    pub fn parse(letter: &str, review: &str, inspection: &str) -> Result<Self, Invalid> {
        let mut problems = Vec::new();
        let mut one = |field: &'static str, raw: &str, what: &str| match raw.trim().parse::<i32>() {
            Ok(w) if (0..=100).contains(&w) => w,
            _ => {
                problems.push(crate::FieldError::new(field, format!("{what}权重应为 0 到 100 的整数")));
                0
            }
        };
        let w = Self {
            letter: one("letter_weight", letter, "责任状"),
            review: one("review_weight", review, "述职评议"),
            inspection: one("inspection_weight", inspection, "互检观摩"),
        };
        if problems.is_empty() && w.letter + w.review + w.inspection == 0 {
            problems.push(crate::FieldError::new("letter_weight", "三项权重不能都为 0"));
        }
        if problems.is_empty() { Ok(w) } else { Err(Invalid(problems)) }
    }

    /// An org's total out of 100: the weighted mean of the parts it has (each out of 100); the
    /// weights of the parts it lacks are left out. `None` when it has none of the weighted parts.
    pub fn total(self, letter: Option<f64>, review: Option<f64>, inspection: Option<f64>) -> Option<f64> {
        let parts = [(self.letter, letter), (self.review, review), (self.inspection, inspection)];
        let (mut sum, mut weights) = (0.0, 0);
        for (w, v) in parts {
            if let Some(v) = v.filter(|_| w > 0) {
                sum += f64::from(w) * v;
                weights += w;
            }
        }
        (weights > 0).then(|| sum / f64::from(weights))
    }
}

/// An assessment's grade from its total: 90 and above 优秀, 80 良好, 60 合格, below 不合格.
pub fn assessment_grade(total: f64) -> &'static str {
    if total >= 90.0 {
        "优秀"
    } else if total >= 80.0 {
        "良好"
    } else if total >= 60.0 {
        "合格"
    } else {
        "不合格"
    }
}

/// Ranks totals, highest first; equal totals (to one decimal) share a rank and the next rank
/// skips (1, 1, 3). Returns each total's rank, in the order given.
pub fn ranks(totals: &[f64]) -> Vec<usize> {
    let tenths = |t: f64| (t * 10.0).round() as i64;
    totals.iter().map(|t| 1 + totals.iter().filter(|o| tenths(**o) > tenths(*t)).count()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_reached_in_proportion_and_at_most_fully() {
        assert_eq!(reached(4, 8), 0.5);
        assert_eq!(reached(12, 8), 1.0);
        assert_eq!(reached(-3, 8), 0.0);
        assert_eq!(reached(0, 0), 1.0);
    }

    #[test]
    fn a_letter_weighs_its_targets() {
        assert_eq!(weighted([(30, 1.0), (70, 0.5)]), Some(0.65));
        assert_eq!(weighted([]), None);
        assert_eq!(percent(0.65), "65.0%");
    }

    #[test]
    fn documents_are_known_by_their_content() {
        assert_eq!(DocumentType::check(b"%PDF-1.7 ...", "签字文本", &DocumentType::ALL).unwrap(), DocumentType::Pdf);
        assert_eq!(
            DocumentType::check(b"\x89PNG\r\n\x1a\n....", "签字文本", &DocumentType::ALL).unwrap(),
            DocumentType::Png
        );
        assert_eq!(
            DocumentType::check(&[0xFF, 0xD8, 0xFF, 0xE0], "签字文本", &DocumentType::ALL).unwrap(),
            DocumentType::Jpeg
        );
        assert!(DocumentType::check(b"<html><script>", "签字文本", &DocumentType::ALL).is_err());
        let photo = DocumentType::check(b"%PDF-1.7", "照片", &[DocumentType::Png, DocumentType::Jpeg]);
        assert_eq!(photo.unwrap_err().0[0].message, "照片只能是 PNG 或 JPEG 文件");
        assert!(DocumentType::check(b"", "签字文本", &DocumentType::ALL).is_err());
        assert!(DocumentType::check(&vec![b'%'; MAX_DOCUMENT_BYTES + 1], "签字文本", &DocumentType::ALL).is_err());
    }

    #[test]
    fn numbers_are_checked_at_their_edges() {
        assert!(parse_weight("0").is_err());
        assert_eq!(parse_weight(" 100 ").unwrap(), 100);
        assert!(parse_weight("101").is_err());
        assert_eq!(parse_score("0").unwrap(), 0);
        assert!(parse_score("-1").is_err());
        assert!(parse_target("0").is_err());
        assert!(parse_target("2.5").is_err());
        assert_eq!(parse_target("8").unwrap(), 8);
    }

    #[test]
    fn an_assessment_weighs_the_parts_an_org_has_and_ranks_ties_together() {
        let w = AssessmentWeights::parse("50", "30", "20").unwrap();
        assert_eq!(w, AssessmentWeights::DEFAULT);
        assert_eq!(w.total(Some(100.0), Some(80.0), Some(90.0)), Some(50.0 + 24.0 + 18.0));
        assert_eq!(w.total(Some(100.0), None, Some(50.0)), Some((5000.0 + 1000.0) / 70.0));
        assert_eq!(w.total(None, None, None), None);
        assert!(AssessmentWeights::parse("0", "0", "0").is_err());
        assert!(AssessmentWeights::parse("101", "0", "0").is_err());
        assert_eq!(ranks(&[80.0, 92.5, 80.04, 70.0]), vec![2, 1, 2, 4]);
        assert_eq!(assessment_grade(90.0), "优秀");
        assert_eq!(assessment_grade(59.9), "不合格");
    }

    #[test]
    fn stored_names_are_plain_and_say_what_the_content_is() {
        assert_eq!(DocumentType::Pdf.safe_name("C:\\scans\\2021 红旗街道.PDF", "责任状"), "2021 红旗街道.pdf");
        assert_eq!(DocumentType::Png.safe_name("x\"; filename=evil.html", "责任状"), "x filenameevil.png");
        assert_eq!(DocumentType::Jpeg.safe_name("../../etc/passwd", "责任状"), "passwd.jpg");
        assert_eq!(DocumentType::Pdf.safe_name("", "责任状"), "责任状.pdf");
    }
}
