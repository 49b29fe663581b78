//! One evaluated figure: the value, what it is compared with, and how the comparison reads.

use qingtuan_domain::indicator::{Indicator, Measure};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Figure {
    pub indicator: Indicator,
    pub value: i64,
    pub baseline_value: Option<i64>,
    pub delta: Option<i64>,
    pub growth_pct: Option<f64>,
    /// For coverage: how many regions of that level there are in the scope.
    pub of: Option<i64>,
    /// Why the figure cannot be computed for this scope (shown as "—" with the reason); `value`
    /// is then meaningless.
    pub unavailable: Option<String>,
}

impl Figure {
    pub(crate) fn compared(indicator: Indicator, value: i64, baseline: i64) -> Self {
        let growth_pct = (baseline != 0).then(|| ((value - baseline) as f64 * 1000.0 / baseline as f64).round() / 10.0);
        Self {
            indicator,
            value,
            baseline_value: Some(baseline),
            delta: Some(value - baseline),
            growth_pct,
            of: None,
            unavailable: None,
        }
    }

    pub(crate) fn alone(indicator: Indicator, value: i64) -> Self {
        Self { indicator, value, baseline_value: None, delta: None, growth_pct: None, of: None, unavailable: None }
    }

    pub(crate) fn unavailable(indicator: Indicator, reason: String) -> Self {
        Self { unavailable: Some(reason), ..Self::alone(indicator, 0) }
    }

    /// The value as shown: "—" when the figure cannot be computed for the scope.
    pub fn shown(&self) -> String {
        if self.unavailable.is_some() { "—".into() } else { self.value.to_string() }
    }

    /// What is said instead of a comparison, when there is none: why the figure is missing, or
    /// that it counts what is new since the baseline, or that the baseline has nothing to compare.
    pub fn without_comparison(&self) -> &str {
        match (&self.unavailable, self.indicator.measure) {
            (Some(reason), _) => reason,
            (None, Measure::SinceBaseline) => "基准日后新成立",
            (None, Measure::Flow) => "上一同长时段无可比数据",
            (None, Measure::Stock) => "基准日无可比数据",
        }
    }

    /// The comparison as every view writes it: `基准 527，+109，+20.7%` (a flow says
    /// `上一同长时段 …`), or what is said instead of one.
    pub fn comparison(&self) -> String {
        match (self.baseline_value, self.delta) {
            (Some(b), Some(d)) => {
                let sign = if d > 0 { "+" } else { "" };
                let growth = self.growth_pct.map(|g| format!("，{sign}{g:.1}%")).unwrap_or_default();
                format!("{} {b}，{sign}{d}{growth}", self.indicator.measure.compared_with())
            }
            _ => self.without_comparison().to_owned(),
        }
    }

    /// `up`, `down` or nothing: the direction of the change, for the card's colour.
    pub fn trend(&self) -> &'static str {
        match self.delta {
            Some(d) if d > 0 => "up",
            Some(d) if d < 0 => "down",
            _ => "",
        }
    }
}
