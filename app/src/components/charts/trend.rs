//! One factor's trend over the waves: points with intervals, gaps where a
//! wave has no figure, and the reference line.

use super::format::*;
use super::legend::*;
use super::scale::*;
use super::svg::*;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One wave of the [`TrendChart`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// Label under the x axis, e.g. "2024".
    pub wave_label: String,
    /// The value in percent; `None` breaks the line (suppressed / no data).
    pub percent: Option<f64>,
    /// 95 % confidence interval in percent, drawn as a vertical whisker.
    pub ci: Option<(f64, f64)>,
    /// Reference value in percent for this wave (dashed grey line).
    pub reference: Option<f64>,
    /// Whether the change from the previous wave is significant: larger
    /// filled marker (class `significant`) with `change_text` beside it.
    pub significant_change: bool,
    /// E.g. "−13,6 Pp.*" (see [`format_points`]). Drawn only for
    /// significant changes; always part of the description.
    pub change_text: Option<String>,
}

/// Everything the [`TrendChart`] shows, already translated.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrendChartData {
    /// Unique on the page, see [`BarChartData::id`].
    pub id: String,
    /// Visible caption and the SVG's accessible name.
    pub title: String,
    /// Start of the accessible description; the chart appends one text per
    /// wave. End it with a full stop.
    pub summary: String,
    /// The waves, oldest first.
    pub points: Vec<TrendPoint>,
    /// Legend text for the series, e.g. the district's name.
    pub series_label: String,
    /// Legend text for the dashed reference line, e.g. "Stadt gesamt".
    pub reference_label: String,
    /// Shown instead of the chart when no wave has a value.
    pub empty_text: String,
    /// Top of the y axis in percent; `None` picks the smallest of 25, 50, 75
    /// and 100 that leaves room above the data (use the same value for all
    /// small multiples that should be compared).
    pub y_max: Option<f64>,
    /// Legend text for the large marker of a significant change, e.g.
    /// "signifikante Veränderung"; the legend entry is left out when empty.
    #[serde(default)]
    pub significant_label: String,
}

/// The top of a trend chart's y axis: a valid caller value (clamped to
/// 1–100), otherwise the smallest of 25/50/75/100 that leaves a margin of
/// 3 points above every value, whisker and reference.
fn trend_y_max(points: &[TrendPoint], explicit: Option<f64>) -> f64 {
    if let Some(y_max) = explicit.filter(|v| v.is_finite() && *v > 0.0) {
        return y_max.clamp(1.0, 100.0);
    }
    let highest = points
        .iter()
        .flat_map(|p| {
            [
                clean_percent(p.percent),
                clean_ci(p.ci).map(|(_, upper)| upper),
                clean_percent(p.reference),
            ]
        })
        .flatten()
        .fold(0.0_f64, f64::max);
    [25.0, 50.0, 75.0, 100.0]
        .into_iter()
        .find(|candidate| *candidate >= highest + 3.0)
        .unwrap_or(100.0)
}

/// Gridline values for a y axis up to `y_max`: a round step giving three to
/// five lines above zero, preferring steps that end exactly at `y_max`.
fn y_ticks(y_max: f64) -> Vec<f64> {
    let y_max = if y_max.is_finite() && y_max > 0.0 {
        y_max
    } else {
        100.0
    };
    const STEPS: [f64; 13] = [
        0.2, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 200.0,
    ];
    let divides = |step: f64| {
        let count = y_max / step;
        (count - count.round()).abs() < 1e-9 && (3.0..=5.0).contains(&count.round())
    };
    let step = STEPS
        .into_iter()
        .find(|step| divides(*step))
        .or_else(|| STEPS.into_iter().find(|step| y_max / step <= 5.0))
        .unwrap_or(y_max);
    let count = (y_max / step + 1e-9).floor() as usize;
    (0..=count).map(|k| k as f64 * step).collect()
}

/// Splits a series into runs of consecutive present points, so that a
/// missing wave breaks the line instead of being bridged.
fn runs(points: &[Option<(f64, f64)>]) -> Vec<Vec<(f64, f64)>> {
    let mut all = Vec::new();
    let mut current = Vec::new();
    for point in points {
        match point {
            Some(p) => current.push(*p),
            None => {
                if !current.is_empty() {
                    all.push(std::mem::take(&mut current));
                }
            }
        }
    }
    if !current.is_empty() {
        all.push(current);
    }
    all
}

/// The `points` attribute of a `<polyline>`.
fn polyline_points(run: &[(f64, f64)]) -> String {
    run.iter()
        .map(|(x, y)| format!("{},{}", num(*x), num(*y)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Width of the trend chart's viewBox.
const TREND_VIEW_WIDTH: f64 = 360.0;

/// Left edge of the plot (tick labels sit left of it).
const TREND_PLOT_X: f64 = 44.0;

/// Width of the plot.
const TREND_PLOT_WIDTH: f64 = 304.0;

/// Top of the plot.
const TREND_PLOT_TOP: f64 = 16.0;

/// Height of the plot.
const TREND_PLOT_HEIGHT: f64 = 120.0;

/// Horizontal centre of wave `index` of `count`: waves are spaced evenly,
/// each in the middle of its share of the plot.
fn trend_x(index: usize, count: usize) -> f64 {
    let count = count.max(1) as f64;
    TREND_PLOT_X + (index as f64 + 0.5) * TREND_PLOT_WIDTH / count
}

/// Vertical position of `value` in the trend chart's coordinates.
fn trend_y(value: f64, y_max: f64) -> f64 {
    TREND_PLOT_TOP + y_of(value, y_max, TREND_PLOT_HEIGHT)
}

/// Gridlines with tick labels, and the wave labels under the plot.
fn trend_axes(points: &[TrendPoint], y_max: f64) -> AnyView {
    let right = num(TREND_PLOT_X + TREND_PLOT_WIDTH);
    let grid = y_ticks(y_max)
        .into_iter()
        .map(|tick| {
            let y = num(trend_y(tick, y_max));
            view! {
                <g class="gridline">
                    <line class=if tick == 0.0 { "grid baseline" } else { "grid" } x1=num(TREND_PLOT_X)
                        x2=right.clone() y1=y.clone() y2=y.clone()></line>
                    <text class="tick" x=num(TREND_PLOT_X - 6.0) y=num(trend_y(tick, y_max) + 4.0)
                        text-anchor="end" font-size="11">
                        {format!("{} %", format_tick(tick))}
                    </text>
                </g>
            }
        })
        .collect_view();
    let band = TREND_PLOT_WIDTH / points.len().max(1) as f64;
    let max_chars = ((band / (11.0 * 0.6)).floor() as usize).max(3);
    let label_y = num(TREND_PLOT_TOP + TREND_PLOT_HEIGHT + 16.0);
    let waves = points
        .iter()
        .enumerate()
        .map(|(index, point)| {
            view! {
                <g class="wave-label">
                    {svg_title(point.wave_label.clone())}
                    <text class="tick" x=num(trend_x(index, points.len())) y=label_y.clone()
                        text-anchor="middle" font-size="11">
                        {truncate(&point.wave_label, max_chars)}
                    </text>
                </g>
            }
        })
        .collect_view();
    view! {
        <g class="axis">{grid}</g>
        <g class="waves">{waves}</g>
    }
    .into_any()
}

/// A tick value without needless decimals ("25", "2,5").
fn format_tick(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 {
        format!("{:.0}", value.round() + 0.0)
    } else {
        format_decimal(value)
    }
}

/// The dashed reference line, broken where a wave has no reference; a
/// lone reference value becomes a short dash.
fn trend_reference(points: &[TrendPoint], y_max: f64) -> AnyView {
    let coordinates: Vec<Option<(f64, f64)>> = points
        .iter()
        .enumerate()
        .map(|(index, p)| {
            clean_percent(p.reference).map(|r| (trend_x(index, points.len()), trend_y(r, y_max)))
        })
        .collect();
    runs(&coordinates)
        .into_iter()
        .map(|run| {
            if run.len() == 1 {
                let (x, y) = run[0];
                view! {
                    <line class="ref-line" x1=num(x - 8.0) x2=num(x + 8.0) y1=num(y) y2=num(y)
                        stroke-dasharray="5 4"></line>
                }
                .into_any()
            } else {
                view! {
                    <polyline class="ref-line" points=polyline_points(&run) fill="none"
                        stroke-dasharray="5 4"></polyline>
                }
                .into_any()
            }
        })
        .collect_view()
        .into_any()
}

/// One wave's whisker, marker and (for significant changes) change text.
fn trend_point_view(point: &TrendPoint, index: usize, count: usize, y_max: f64) -> Option<AnyView> {
    let percent = clean_percent(point.percent)?;
    let x = trend_x(index, count);
    let y = trend_y(percent, y_max);
    let whisker = clean_ci(point.ci).map(|(lower, upper)| {
        let (y_lower, y_upper) = (num(trend_y(lower, y_max)), num(trend_y(upper, y_max)));
        view! {
            <g class="ci-group">
                <line class="ci" x1=num(x) x2=num(x) y1=y_lower.clone() y2=y_upper.clone()
                    data-ci-lower=data_value(lower) data-ci-upper=data_value(upper)></line>
                <line class="ci ci-cap" x1=num(x - 4.0) x2=num(x + 4.0) y1=y_lower.clone() y2=y_lower></line>
                <line class="ci ci-cap" x1=num(x - 4.0) x2=num(x + 4.0) y1=y_upper.clone() y2=y_upper></line>
            </g>
        }
    });
    let significant = point.significant_change;
    let change = point
        .change_text
        .clone()
        .filter(|t| significant && !t.trim().is_empty())
        .map(|text| {
            let fits_right = x + 8.0 + text_width(&text, 11.0) <= TREND_VIEW_WIDTH - 2.0;
            let text_y = num((y - 8.0).max(11.0));
            if fits_right {
                view! {
                    <text class="change-text" x=num(x + 8.0) y=text_y font-size="11">{text}</text>
                }
                .into_any()
            } else {
                view! {
                    <text class="change-text" x=num(x - 8.0) y=text_y text-anchor="end" font-size="11">
                        {text}
                    </text>
                }
                .into_any()
            }
        });
    let tooltip = describe_value(
        &point.wave_label,
        Some(percent),
        point.ci,
        point.reference,
        None,
    );
    Some(
        view! {
            <g class=if significant { "trend-point significant" } else { "trend-point" }>
                {svg_title(tooltip)}
                {whisker}
                <circle class=if significant { "point significant" } else { "point" } cx=num(x) cy=num(y)
                    r=if significant { "5.5" } else { "3.5" } data-percent=data_value(percent)></circle>
                {change}
            </g>
        }
        .into_any(),
    )
}

/// Small line chart of one factor of one district over the survey waves,
/// with confidence whiskers, a dashed reference line and larger markers
/// (plus `change_text`) where the change from the previous wave is
/// significant. Missing waves break the line rather than being bridged.
///
/// Renders a `<figure class="chart trend-chart">` with the title as visible
/// `<figcaption>` and a scalable SVG (`width="100%"`, viewBox 360 wide);
/// place several in a `<div class="trend-grid">` as small multiples. When no
/// wave has a value, the figure holds `empty_text` instead of the SVG.
#[component]
pub fn TrendChart(
    /// Everything the chart shows, already translated.
    data: TrendChartData,
) -> impl IntoView {
    let id = safe_id(&data.id);
    if data
        .points
        .iter()
        .all(|p| clean_percent(p.percent).is_none())
    {
        return empty_figure("trend-chart", id, data.title, data.empty_text);
    }
    let y_max = trend_y_max(&data.points, data.y_max);
    let count = data.points.len();
    let legend_items = non_empty_items(vec![
        (Swatch::Series, data.series_label.as_str()),
        (Swatch::RefLine, data.reference_label.as_str()),
        (Swatch::SignificantPoint, data.significant_label.as_str()),
    ]);
    let texts: Vec<&str> = legend_items.iter().map(|(_, t)| t.as_str()).collect();
    let legend_y = TREND_PLOT_TOP + TREND_PLOT_HEIGHT + 26.0;
    let (positions, legend_height) = layout_legend(&texts, 8.0, TREND_VIEW_WIDTH - 8.0, legend_y);
    let height = legend_y + legend_height + 4.0;

    let desc_parts = data
        .points
        .iter()
        .map(|p| {
            let mut text = describe_value(&p.wave_label, p.percent, p.ci, p.reference, None);
            if let Some(change) = p.change_text.as_deref().filter(|t| !t.trim().is_empty()) {
                text.push_str(&format!(", {}", change.trim()));
            }
            text
        })
        .collect();
    let summary = if data.series_label.trim().is_empty() {
        data.summary.clone()
    } else {
        format!("{} {}:", data.summary.trim(), data.series_label.trim())
    };
    let desc = chart_desc(&summary, desc_parts);

    let coordinates: Vec<Option<(f64, f64)>> = data
        .points
        .iter()
        .enumerate()
        .map(|(index, p)| {
            clean_percent(p.percent).map(|v| (trend_x(index, count), trend_y(v, y_max)))
        })
        .collect();
    let series = runs(&coordinates)
        .into_iter()
        .filter(|run| run.len() > 1)
        .map(|run| {
            view! { <polyline class="series-line" points=polyline_points(&run) fill="none"></polyline> }
        })
        .collect_view();
    let points = data
        .points
        .iter()
        .enumerate()
        .filter_map(|(index, p)| trend_point_view(p, index, count, y_max))
        .collect_view();
    let axes = trend_axes(&data.points, y_max);
    let reference = trend_reference(&data.points, y_max);
    let legend = legend_view(legend_items, &positions, "");
    view! {
        <figure class="chart trend-chart" id=id.clone()>
            <figcaption class="chart-title">{data.title.clone()}</figcaption>
            <svg class="chart-svg" role="img" aria-labelledby=format!("{id}-title {id}-desc")
                width="100%" viewBox=format!("0 0 {} {}", num(TREND_VIEW_WIDTH), num(height))
                preserveAspectRatio="xMinYMin meet" font-size="12" data-y-max=data_value(y_max)>
                {svg_title_with_id(format!("{id}-title"), data.title)}
                <desc id=format!("{id}-desc")>{desc}</desc>
                {axes}
                <g class="reference">{reference}</g>
                <g class="series">{series}</g>
                <g class="points">{points}</g>
                {legend}
            </svg>
        </figure>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trend_axis_picks_a_round_maximum() {
        let point = |p: f64, upper: f64| TrendPoint {
            percent: Some(p),
            ci: Some((p - 2.0, upper)),
            ..Default::default()
        };
        assert_eq!(trend_y_max(&[point(10.0, 14.0)], None), 25.0);
        assert_eq!(trend_y_max(&[point(10.0, 23.0)], None), 50.0);
        assert_eq!(trend_y_max(&[point(60.0, 73.0)], None), 100.0);
        assert_eq!(trend_y_max(&[point(99.0, 150.0)], None), 100.0);
        assert_eq!(trend_y_max(&[], None), 25.0);
        assert_eq!(trend_y_max(&[point(10.0, 14.0)], Some(40.0)), 40.0);
        assert_eq!(trend_y_max(&[point(10.0, 14.0)], Some(f64::NAN)), 25.0);
        assert_eq!(y_ticks(25.0), vec![0.0, 5.0, 10.0, 15.0, 20.0, 25.0]);
        assert_eq!(y_ticks(75.0), vec![0.0, 25.0, 50.0, 75.0]);
        assert_eq!(y_ticks(100.0).len(), 6);
        for y_max in [1.0, 7.0, 33.0, 40.0, 60.0, 100.0] {
            let ticks = y_ticks(y_max);
            assert!((4..=6).contains(&ticks.len()), "{y_max}: {ticks:?}");
            assert!(ticks.iter().all(|t| *t <= y_max + 1e-9));
        }
    }

    #[test]
    fn gaps_break_runs() {
        let points = [Some((1.0, 1.0)), Some((2.0, 2.0)), None, Some((4.0, 4.0))];
        assert_eq!(
            runs(&points),
            vec![vec![(1.0, 1.0), (2.0, 2.0)], vec![(4.0, 4.0)]]
        );
        assert!(runs(&[None, None]).is_empty());
        assert_eq!(polyline_points(&[(1.0, 2.5), (3.0, 4.0)]), "1,2.5 3,4");
    }
}

#[cfg(all(test, feature = "ssr"))]
mod render_tests {
    use super::*;

    fn trend_data(points: Vec<TrendPoint>) -> TrendChartData {
        TrendChartData {
            id: "trend-1".into(),
            title: "Familienkonflikte".into(),
            summary: "Verlauf über drei Befragungen.".into(),
            points,
            series_label: "Nord".into(),
            reference_label: "Stadt gesamt".into(),
            empty_text: "Noch keine Befragung".into(),
            y_max: None,
            significant_label: "signifikante Veränderung".into(),
        }
    }

    #[test]
    fn trend_chart_renders_points_gaps_and_changes() {
        let data = trend_data(vec![
            TrendPoint {
                wave_label: "2019".into(),
                percent: Some(41.0),
                ci: Some((36.0, 46.0)),
                reference: Some(30.0),
                ..Default::default()
            },
            TrendPoint {
                wave_label: "2021".into(),
                percent: None,
                reference: Some(29.0),
                ..Default::default()
            },
            TrendPoint {
                wave_label: "2023".into(),
                percent: Some(27.4),
                ci: Some((23.0, 32.0)),
                reference: Some(f64::NAN),
                significant_change: true,
                change_text: Some("\u{2212}13,6 Pp.*".into()),
            },
        ]);
        let html = view! { <TrendChart data=data /> }.to_html();
        assert!(html.contains(r#"data-percent="41.0""#), "{html}");
        assert!(html.contains(r#"data-percent="27.4""#), "{html}");
        assert!(html.contains(r#"class="point significant""#), "{html}");
        assert!(html.contains("\u{2212}13,6 Pp.*"), "{html}");
        assert!(html.contains(r#"<title id="trend-1-title">Familienkonflikte</title>"#));
        assert!(html.contains(r#"stroke-dasharray="5 4""#), "{html}");
        assert!(html.contains("signifikante Veränderung"), "{html}");
        // The gap in 2021 means no series polyline connects 2019 with 2023.
        assert!(!html.contains(r#"class="series-line" points"#), "{html}");
        assert!(!html.contains("NaN"), "{html}");
        let empty = view! {
            <TrendChart data=trend_data(vec![TrendPoint::default()]) />
        }
        .to_html();
        assert!(empty.contains("Noch keine Befragung"), "{empty}");
    }
}
