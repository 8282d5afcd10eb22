//! Server-renderable SVG charts: the factor profile as horizontal bars, the
//! district comparison as a heat map, and one factor's trend over the waves.
//!
//! Why inline SVG built by the `view!` macro rather than a JavaScript chart
//! library: the pages must be complete and readable without JavaScript (school
//! and council networks block scripts, reports are printed and archived), and
//! vector output stays crisp in print. Everything is computed on the server
//! with plain `f64` arithmetic; hydration only re-attaches to the same markup.
//!
//! Conventions shared by all charts:
//!
//! * No translation happens here: every visible text arrives as a `String`
//!   field, already translated by the caller (the UI is German first). The
//!   only generated texts are numbers (German formatting, see
//!   [`format_percent`] and [`format_points`]) and the per-row parts of the
//!   screen-reader description (`<desc>`), which use the German abbreviations
//!   "95 %-KI" and "Referenz".
//! * Colours come from CSS classes (`bar risk`, `ci`, `ref-marker`, …; see the
//!   `charts` section of `style/main.css`) so that print styles and contrast
//!   stay under control. The only inline colours are the data-driven heat-map
//!   fills ([`heat_colour`], [`heat_text_colour`]).
//! * No input can make a chart panic or print `NaN`: percentages are clamped
//!   to 0–100, non-finite numbers count as missing, empty data renders the
//!   caller's empty-state text instead of an SVG.
//! * Each SVG has `role="img"` and `aria-labelledby` pointing at its own
//!   `<title>` and `<desc>`; their ids derive from the caller's `id`, which
//!   must therefore be unique on the page.
//! * Browser tests compare the charts with the CSV exports through `data-*`
//!   attributes whose numbers use one decimal and a dot (`"38.3"`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/* ------------------------------------------------------------------------ */
/* Input types                                                              */
/* ------------------------------------------------------------------------ */

/// How a bar is highlighted relative to its reference.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Highlight {
    /// No significant difference from the reference (or no reference).
    #[default]
    None,
    /// Unfavourable and significant: a risk factor or outcome significantly
    /// above its reference, or a protective factor significantly below it.
    /// Drawn with a bold label, a "▲" marker and an outlined bar so that it
    /// is visible in black-and-white print too, not only by colour.
    Elevated,
    /// Favourable and significant (the mirror image of `Elevated`). Only
    /// marked by the CSS class `lowered`; the legend has no entry for it.
    Lowered,
}

/// What kind of scale a bar belongs to; selects the bar colour class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum BarKind {
    /// A risk factor (class `bar risk`).
    #[default]
    Risk,
    /// A protective factor (class `bar protect`).
    Protective,
    /// A problem behaviour / outcome (class `bar outcome`).
    Outcome,
}

impl BarKind {
    /// The CSS class naming this kind.
    fn class(self) -> &'static str {
        match self {
            BarKind::Risk => "risk",
            BarKind::Protective => "protect",
            BarKind::Outcome => "outcome",
        }
    }
}

/// One factor in the [`BarChart`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BarRow {
    /// The factor's name (long names are shortened with "…" on screen; the
    /// full name stays in the row's tooltip and in the description).
    pub label: String,
    /// Risk, protective or outcome: selects the bar colour.
    pub kind: BarKind,
    /// Share of pupils "at risk" (or "protected") in percent; `None` when the
    /// value is suppressed or there is no data, then `note` is shown instead.
    pub percent: Option<f64>,
    /// 95 % confidence interval in percent, drawn as a whisker.
    pub ci: Option<(f64, f64)>,
    /// Reference percent (city total or norm), drawn as a vertical marker.
    pub reference: Option<f64>,
    /// Number of answers behind the value; shown in the row's tooltip.
    pub n: Option<u64>,
    /// Significant difference from the reference, see [`Highlight`].
    pub highlight: Highlight,
    /// Shown in italics instead of the bar when `percent` is `None`, e.g.
    /// "unterdrückt (< 15 Antworten)"; "–" when absent.
    pub note: Option<String>,
}

/// Everything the [`BarChart`] shows, already translated.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BarChartData {
    /// Unique on the page: the figure's id and the prefix of the SVG's
    /// internal ids (characters other than `A–Z a–z 0–9 - _` become `-`).
    pub id: String,
    /// Visible caption and the SVG's accessible name.
    pub title: String,
    /// Start of the accessible description; the chart appends one short
    /// text per row. End it with a full stop.
    pub summary: String,
    /// The factors, top to bottom.
    pub rows: Vec<BarRow>,
    /// Legend text for the reference marker, e.g. "Stadt gesamt".
    pub reference_label: String,
    /// Shown instead of the chart when `rows` is empty.
    pub empty_text: String,
    /// Legend text for highlighted rows, e.g. "auffällig erhöht"; also
    /// appended to the description of such rows.
    pub elevated_label: String,
    /// Legend text for the whisker, e.g. "95-%-Konfidenzintervall".
    pub ci_label: String,
}

/// One factor column of the [`HeatMap`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HeatColumn {
    /// Stable identifier (factor id), written to `data-column` of each cell.
    pub id: String,
    /// The factor's name, shown rotated above the column.
    pub label: String,
    /// `true` for risk factors and outcomes, `false` for protective factors:
    /// decides whether a positive difference is coloured as worse or better.
    pub higher_is_worse: bool,
}

/// One cell of the [`HeatMap`]: a district's value for one factor.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HeatCell {
    /// District minus reference in percentage points; drives the colour.
    pub difference_points: Option<f64>,
    /// The district's own percent; only shown in tooltip and description.
    pub percent: Option<f64>,
    /// Whether the difference is statistically significant: thick border
    /// and "*" after the number.
    pub significant: bool,
    /// Suppressed for privacy (too few answers): hatched cell with "–".
    pub suppressed: bool,
}

/// One district (row) of the [`HeatMap`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HeatRow {
    /// The district's name.
    pub label: String,
    /// Link to the district's profile; the row label becomes an SVG link
    /// (works without JavaScript).
    pub href: Option<String>,
    /// One cell per column, in column order; missing cells count as no data,
    /// surplus cells are ignored.
    pub cells: Vec<HeatCell>,
}

/// Everything the [`HeatMap`] shows, already translated.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HeatMapData {
    /// Unique on the page, see [`BarChartData::id`].
    pub id: String,
    /// Visible caption and the SVG's accessible name.
    pub title: String,
    /// Start of the accessible description; the chart appends one text per
    /// district. End it with a full stop.
    pub summary: String,
    /// The factors, left to right.
    pub columns: Vec<HeatColumn>,
    /// The districts, top to bottom.
    pub rows: Vec<HeatRow>,
    /// Shown instead of the chart when there are no rows or no columns.
    pub empty_text: String,
    /// Legend text at the red end of the colour ramp, e.g. "ungünstiger als
    /// Stadt gesamt".
    pub legend_worse: String,
    /// Legend text at the green end of the colour ramp.
    pub legend_better: String,
    /// Legend text for significant cells (border and "*").
    pub legend_significant: String,
    /// Legend text for suppressed (hatched) cells.
    pub legend_suppressed: String,
}

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

/* ------------------------------------------------------------------------ */
/* Number formatting                                                        */
/* ------------------------------------------------------------------------ */

/// Rounds half away from zero to one decimal; `-0.0` becomes `0.0`.
///
/// Rounding explicitly (rather than relying on `{:.1}`) makes 38.25 → 38.3
/// as people expect from a report, and keeps the SVG, its `data-*`
/// attributes and the description in agreement.
fn round1(value: f64) -> f64 {
    let rounded = (value * 10.0).round() / 10.0;
    // Adding +0.0 turns -0.0 into +0.0 so that nothing prints as "-0.0".
    rounded + 0.0
}

/// One decimal with a decimal comma ("38,3"); "–" for non-finite input.
fn format_decimal(value: f64) -> String {
    if !value.is_finite() {
        return "–".to_string();
    }
    format!("{:.1}", round1(value)).replace('.', ",")
}

/// Formats a percentage the German way: one decimal, decimal comma, a space
/// and "%" (38.25 → "38,3 %"). Non-finite input gives "–".
///
/// The value is not clamped: the charts clamp before formatting.
pub fn format_percent(value: f64) -> String {
    if !value.is_finite() {
        return "–".to_string();
    }
    format!("{} %", format_decimal(value))
}

/// Formats a difference in percentage points: always signed, one decimal,
/// decimal comma, a real minus sign (U+2212), "Pp." ("−13,6 Pp.",
/// "+2,0 Pp."; zero has no sign: "0,0 Pp."). Non-finite input gives "–".
pub fn format_points(value: f64) -> String {
    if !value.is_finite() {
        return "–".to_string();
    }
    let rounded = round1(value);
    let sign = if rounded > 0.0 {
        "+"
    } else if rounded < 0.0 {
        "\u{2212}"
    } else {
        ""
    };
    format!("{sign}{} Pp.", format_decimal(rounded.abs()))
}

/// The short signed whole-number difference shown inside a heat-map cell
/// ("+12", "−3", "0"); "–" for non-finite input.
fn format_points_short(value: f64) -> String {
    if !value.is_finite() {
        return "–".to_string();
    }
    let rounded = value.round() + 0.0;
    if rounded > 0.0 {
        format!("+{rounded:.0}")
    } else if rounded < 0.0 {
        format!("\u{2212}{:.0}", rounded.abs())
    } else {
        "0".to_string()
    }
}

/// One decimal with a dot ("38.3"): the format of the `data-*` attributes
/// that browser tests compare with the CSV exports.
fn data_value(value: f64) -> String {
    format!("{:.1}", round1(value))
}

/// An SVG coordinate: at most two decimals, no trailing zeros, never `NaN`.
fn num(value: f64) -> String {
    if !value.is_finite() {
        return "0".to_string();
    }
    let text = format!("{:.2}", value + 0.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/* ------------------------------------------------------------------------ */
/* Cleaning and geometry                                                    */
/* ------------------------------------------------------------------------ */

/// A percentage fit for drawing: `None` if missing or not finite, otherwise
/// clamped to 0–100.
fn clean_percent(value: Option<f64>) -> Option<f64> {
    value
        .filter(|v| v.is_finite())
        .map(|v| v.clamp(0.0, 100.0) + 0.0)
}

/// A confidence interval fit for drawing: both bounds finite, clamped to
/// 0–100 and in order (swapped if given the wrong way round).
fn clean_ci(ci: Option<(f64, f64)>) -> Option<(f64, f64)> {
    let (a, b) = ci?;
    let a = clean_percent(Some(a))?;
    let b = clean_percent(Some(b))?;
    Some((a.min(b), a.max(b)))
}

/// Horizontal offset of `percent` in a plot `plot_width` wide whose left
/// edge is 0; clamped to the plot, `NaN` counts as 0.
fn x_of(percent: f64, plot_width: f64) -> f64 {
    let percent = if percent.is_finite() {
        percent.clamp(0.0, 100.0)
    } else {
        0.0
    };
    let width = if plot_width.is_finite() {
        plot_width.max(0.0)
    } else {
        0.0
    };
    percent / 100.0 * width
}

/// Vertical offset (from the top of the plot) of `value` on an axis from 0
/// (bottom) to `y_max` (top); clamped to the plot, `NaN` counts as 0.
fn y_of(value: f64, y_max: f64, plot_height: f64) -> f64 {
    let y_max = if y_max.is_finite() && y_max > 0.0 {
        y_max
    } else {
        100.0
    };
    let value = if value.is_finite() {
        value.clamp(0.0, y_max)
    } else {
        0.0
    };
    let height = if plot_height.is_finite() {
        plot_height.max(0.0)
    } else {
        0.0
    };
    height * (1.0 - value / y_max)
}

/// Rough width of a text in SVG units: charts cannot measure text on the
/// server, so layout uses a generous average glyph width.
fn text_width(text: &str, font_size: f64) -> f64 {
    text.chars().count() as f64 * font_size * 0.6
}

/// Shortens `text` to at most `max_chars` characters, ending in "…" when
/// anything was cut.
/// An SVG `<title>` (tooltip and accessible name). `title` and `a` exist in
/// HTML and SVG; when the browser renders a chart itself (client-side
/// navigation, the in-place language switch) the `view!` macro creates them
/// in the HTML namespace, where they do nothing inside an `<svg>`. The tachys
/// SVG builders always use the SVG namespace.
fn svg_title(text: String) -> impl IntoView {
    leptos::tachys::svg::title().child(text)
}

/// An SVG `<title>` with an id (for `aria-labelledby`); see [`svg_title`].
fn svg_title_with_id(id: String, text: String) -> impl IntoView {
    leptos::tachys::svg::title().id(id).child(text)
}

/// An SVG link around `child`; see [`svg_title`].
fn svg_link(href: String, class: &'static str, child: impl IntoView) -> impl IntoView {
    leptos::tachys::svg::a()
        .attr("href", href)
        .class(class)
        .child(child)
}

fn truncate(text: &str, max_chars: usize) -> String {
    let max_chars = max_chars.max(1);
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let mut short: String = text.chars().take(max_chars - 1).collect();
        short.push('…');
        short
    }
}

/// Makes a caller id safe for `id` and `aria-labelledby` (which is a
/// space-separated list): anything but ASCII letters, digits, `-` and `_`
/// becomes `-`; an empty id becomes "chart".
fn safe_id(id: &str) -> String {
    let cleaned: String = id
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "chart".to_string()
    } else {
        cleaned
    }
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

/* ------------------------------------------------------------------------ */
/* Heat-map colours                                                         */
/* ------------------------------------------------------------------------ */

/// Differences at or beyond this many points get the full colour.
const HEAT_SATURATION_POINTS: f64 = 20.0;
/// Fill at a difference of zero: near-white.
const HEAT_NEUTRAL: (u8, u8, u8) = (0xf7, 0xf7, 0xf7);
/// Fill at 20 points worse than the reference (the `--risk` colour).
const HEAT_WORSE: (u8, u8, u8) = (0xb3, 0x26, 0x1e);
/// Fill at 20 points better than the reference (the `--protect` colour).
const HEAT_BETTER: (u8, u8, u8) = (0x1e, 0x6b, 0x3a);

/// The heat-map fill as RGB, see [`heat_colour`].
fn heat_rgb(difference_points: f64, higher_is_worse: bool) -> (u8, u8, u8) {
    let difference = if difference_points.is_finite() {
        difference_points
    } else {
        0.0
    };
    let worse_by = if higher_is_worse {
        difference
    } else {
        -difference
    };
    let t = (worse_by / HEAT_SATURATION_POINTS).clamp(-1.0, 1.0);
    let target = if t >= 0.0 { HEAT_WORSE } else { HEAT_BETTER };
    let t = t.abs();
    let mix = |from: u8, to: u8| {
        let value = f64::from(from) + (f64::from(to) - f64::from(from)) * t;
        value.round().clamp(0.0, 255.0) as u8
    };
    (
        mix(HEAT_NEUTRAL.0, target.0),
        mix(HEAT_NEUTRAL.1, target.1),
        mix(HEAT_NEUTRAL.2, target.2),
    )
}

/// The fill of a heat-map cell as `#rrggbb`: a diverging scale from
/// near-white at 0 to red (`#b3261e`) where the district is worse than the
/// reference and green (`#1e6b3a`) where it is better, saturating at ±20
/// points. "Worse" means higher for risk factors (`higher_is_worse`) and
/// lower for protective factors. Non-finite input gives the neutral colour.
pub fn heat_colour(difference_points: f64, higher_is_worse: bool) -> String {
    let (r, g, b) = heat_rgb(difference_points, higher_is_worse);
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// WCAG relative luminance of an sRGB colour.
fn relative_luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// The text colour for a heat-map cell with the same arguments as
/// [`heat_colour`]: `#000000` or `#ffffff`, whichever contrasts more with
/// the fill. Pure black and white guarantee a contrast of at least 4.5:1
/// (WCAG AA) on every colour of the scale, which a softer ink would not.
pub fn heat_text_colour(difference_points: f64, higher_is_worse: bool) -> String {
    let luminance = relative_luminance(heat_rgb(difference_points, higher_is_worse));
    let against_white = 1.05 / (luminance + 0.05);
    let against_black = (luminance + 0.05) / 0.05;
    if against_white > against_black {
        "#ffffff".to_string()
    } else {
        "#000000".to_string()
    }
}

/* ------------------------------------------------------------------------ */
/* Descriptions for screen readers                                          */
/* ------------------------------------------------------------------------ */

/// "Label: 38,2 % (95 %-KI 33,1–43,5), Referenz 27,0 %", or the note
/// instead of the value when there is none.
fn describe_value(
    label: &str,
    percent: Option<f64>,
    ci: Option<(f64, f64)>,
    reference: Option<f64>,
    note: Option<&str>,
) -> String {
    let mut text = format!("{label}: ");
    match clean_percent(percent) {
        Some(p) => {
            text.push_str(&format_percent(p));
            if let Some((lower, upper)) = clean_ci(ci) {
                text.push_str(&format!(
                    " (95 %-KI {}–{})",
                    format_decimal(lower),
                    format_decimal(upper)
                ));
            }
        }
        None => text.push_str(note.filter(|n| !n.trim().is_empty()).unwrap_or("–")),
    }
    if let Some(r) = clean_percent(reference) {
        text.push_str(&format!(", Referenz {}", format_percent(r)));
    }
    text
}

/// The description of one bar-chart row, e.g. "Familienkonflikte: 38,2 %
/// (95 %-KI 33,1–43,5), Referenz 27,0 %".
fn describe_row(row: &BarRow) -> String {
    describe_value(
        &row.label,
        row.percent,
        row.ci,
        row.reference,
        row.note.as_deref(),
    )
}

/// The caller's summary followed by the generated parts, separated by
/// semicolons and closed with a full stop.
fn chart_desc(summary: &str, parts: Vec<String>) -> String {
    let mut text = summary.trim().to_string();
    if !parts.is_empty() {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&parts.join("; "));
        text.push('.');
    }
    text
}

/* ------------------------------------------------------------------------ */
/* Shared pieces                                                            */
/* ------------------------------------------------------------------------ */

/// The figure shown instead of a chart when there is nothing to draw.
fn empty_figure(kind: &'static str, id: String, title: String, empty_text: String) -> AnyView {
    view! {
        <figure class=format!("chart {kind} chart-empty-state") id=id>
            <figcaption class="chart-title">{title}</figcaption>
            <p class="chart-empty">{empty_text}</p>
        </figure>
    }
    .into_any()
}

/// The small picture in front of a legend text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Swatch {
    /// A confidence-interval whisker with end caps.
    Whisker,
    /// The bar chart's vertical reference marker.
    RefMarker,
    /// An outlined bar with the "▲" marker.
    Elevated,
    /// The trend chart's series: a line through a point.
    Series,
    /// The trend chart's dashed reference line.
    RefLine,
    /// The trend chart's large marker for a significant change.
    SignificantPoint,
    /// The heat map's bordered cell with "*".
    SignificantCell,
    /// The heat map's hatched cell with "–".
    SuppressedCell,
}

/// Width of every legend swatch.
const SWATCH_WIDTH: f64 = 22.0;
/// Gap between swatch and text.
const SWATCH_GAP: f64 = 5.0;
/// Gap between legend items on one line.
const LEGEND_ITEM_GAP: f64 = 18.0;
/// Height of a legend line.
const LEGEND_LINE_HEIGHT: f64 = 18.0;
/// Font size of legend texts.
const LEGEND_FONT: f64 = 11.0;

/// Places legend items left to right from `x0`, wrapping before `max_x`.
/// Returns the top-left corner of each item and the total height.
fn layout_legend(texts: &[&str], x0: f64, max_x: f64, y0: f64) -> (Vec<(f64, f64)>, f64) {
    let mut positions = Vec::with_capacity(texts.len());
    let (mut x, mut y) = (x0, y0);
    for text in texts {
        let width = SWATCH_WIDTH + SWATCH_GAP + text_width(text, LEGEND_FONT);
        if x > x0 && x + width > max_x {
            x = x0;
            y += LEGEND_LINE_HEIGHT;
        }
        positions.push((x, y));
        x += width + LEGEND_ITEM_GAP;
    }
    let height = if texts.is_empty() {
        0.0
    } else {
        y - y0 + LEGEND_LINE_HEIGHT
    };
    (positions, height)
}

/// Draws a swatch whose box starts at (`x`, `y`) and is one legend line high.
fn swatch_view(swatch: Swatch, x: f64, y: f64, hatch_url: &str) -> AnyView {
    let middle = y + LEGEND_LINE_HEIGHT / 2.0 - 1.0;
    match swatch {
        Swatch::Whisker => view! {
            <g class="ci-group">
                <line class="ci" x1=num(x + 2.0) x2=num(x + 20.0) y1=num(middle) y2=num(middle)></line>
                <line class="ci" x1=num(x + 2.0) x2=num(x + 2.0) y1=num(middle - 4.0) y2=num(middle + 4.0)></line>
                <line class="ci" x1=num(x + 20.0) x2=num(x + 20.0) y1=num(middle - 4.0) y2=num(middle + 4.0)></line>
            </g>
        }
        .into_any(),
        Swatch::RefMarker => view! {
            <line class="ref-marker" x1=num(x + 11.0) x2=num(x + 11.0) y1=num(middle - 7.0) y2=num(middle + 7.0)></line>
        }
        .into_any(),
        Swatch::Elevated => view! {
            <g>
                <text class="elevated-marker" x=num(x + 4.0) y=num(middle + 4.0) text-anchor="middle" font-size="10">"▲"</text>
                <rect class="bar risk elevated" x=num(x + 10.0) y=num(middle - 5.0) width="12" height="10"></rect>
            </g>
        }
        .into_any(),
        Swatch::Series => view! {
            <g>
                <line class="series-line" x1=num(x) x2=num(x + 22.0) y1=num(middle) y2=num(middle)></line>
                <circle class="point" cx=num(x + 11.0) cy=num(middle) r="3.5"></circle>
            </g>
        }
        .into_any(),
        Swatch::RefLine => view! {
            <line class="ref-line" x1=num(x) x2=num(x + 22.0) y1=num(middle) y2=num(middle) stroke-dasharray="5 4"></line>
        }
        .into_any(),
        Swatch::SignificantPoint => view! {
            <circle class="point significant" cx=num(x + 11.0) cy=num(middle) r="5.5"></circle>
        }
        .into_any(),
        Swatch::SignificantCell => view! {
            <g>
                <rect class="heat-cell legend-cell significant" x=num(x + 1.0) y=num(middle - 7.0) width="20" height="14" fill="#ffffff"></rect>
                <text class="heat-text" x=num(x + 11.0) y=num(middle + 4.0) text-anchor="middle" font-size="11">"*"</text>
            </g>
        }
        .into_any(),
        Swatch::SuppressedCell => view! {
            <g>
                <rect class="heat-cell legend-cell suppressed" x=num(x + 1.0) y=num(middle - 7.0) width="20" height="14" fill=hatch_url.to_string()></rect>
                <text class="heat-text empty" x=num(x + 11.0) y=num(middle + 4.0) text-anchor="middle" font-size="11">"–"</text>
            </g>
        }
        .into_any(),
    }
}

/// A laid-out legend: swatches and texts at the given positions.
fn legend_view(items: Vec<(Swatch, String)>, positions: &[(f64, f64)], hatch_url: &str) -> AnyView {
    let parts = items
        .into_iter()
        .zip(positions.iter().copied())
        .map(|((swatch, text), (x, y))| {
            view! {
                <g class="legend-item">
                    {swatch_view(swatch, x, y, hatch_url)}
                    <text class="legend-text" x=num(x + SWATCH_WIDTH + SWATCH_GAP) y=num(y + LEGEND_LINE_HEIGHT / 2.0 + 3.0) font-size="11">
                        {text}
                    </text>
                </g>
            }
        })
        .collect_view();
    view! { <g class="legend">{parts}</g> }.into_any()
}

/// Keeps only the legend items that have a text.
fn non_empty_items(items: Vec<(Swatch, &str)>) -> Vec<(Swatch, String)> {
    items
        .into_iter()
        .filter(|(_, text)| !text.trim().is_empty())
        .map(|(swatch, text)| (swatch, text.to_string()))
        .collect()
}

/* ------------------------------------------------------------------------ */
/* 1. Bar chart                                                             */
/* ------------------------------------------------------------------------ */

/// Width of the bar chart's viewBox.
const BAR_VIEW_WIDTH: f64 = 760.0;
/// Right edge of the (right-aligned) label column.
const BAR_LABEL_END: f64 = 278.0;
/// Centre of the "▲" marker between label and plot.
const BAR_MARKER_X: f64 = 287.0;
/// Left edge of the plot (0 %).
const BAR_PLOT_X: f64 = 298.0;
/// Width of the plot (0–100 %); leaves room for "100,0 %" on the right.
const BAR_PLOT_WIDTH: f64 = 392.0;
/// Top of the first row (tick labels sit above it).
const BAR_TOP: f64 = 26.0;
/// Height of one row.
const BAR_ROW_HEIGHT: f64 = 26.0;
/// Height of a bar.
const BAR_HEIGHT: f64 = 14.0;
/// Labels longer than this are shortened with "…".
const BAR_LABEL_MAX_CHARS: usize = 38;

/// The horizontal position of `percent` in the bar chart's coordinates.
fn bar_x(percent: f64) -> f64 {
    BAR_PLOT_X + x_of(percent, BAR_PLOT_WIDTH)
}

/// Gridlines and tick labels ("0 %" … "100 %") of the bar chart.
fn bar_axis(rows_bottom: f64) -> AnyView {
    [0.0, 25.0, 50.0, 75.0, 100.0]
        .into_iter()
        .map(|tick| {
            let x = num(bar_x(tick));
            view! {
                <g class="gridline">
                    <line class="grid" x1=x.clone() x2=x.clone() y1=num(BAR_TOP - 4.0) y2=num(rows_bottom)></line>
                    <text class="tick" x=x y=num(BAR_TOP - 9.0) text-anchor="middle" font-size="11">
                        {format!("{tick:.0} %")}
                    </text>
                </g>
            }
        })
        .collect_view()
        .into_any()
}

/// The bar, whisker and value text of a row that has a value.
fn bar_value_view(row: &BarRow, percent: f64, top: f64, reference: Option<f64>) -> AnyView {
    // Lowered protection is as much of concern as elevated risk: both get
    // the marker, so print in black and white still shows them.
    let elevated = row.highlight != Highlight::None;
    let bar_class = format!(
        "bar {}{}",
        row.kind.class(),
        match row.highlight {
            Highlight::None => "",
            Highlight::Elevated => " elevated",
            Highlight::Lowered => " lowered",
        }
    );
    let bar_top = top + (BAR_ROW_HEIGHT - BAR_HEIGHT) / 2.0;
    let middle = top + BAR_ROW_HEIGHT / 2.0;
    let ci = clean_ci(row.ci);
    let whisker = ci.map(|(lower, upper)| {
        let (x1, x2) = (num(bar_x(lower)), num(bar_x(upper)));
        view! {
            <g class="ci-group">
                <line class="ci" x1=x1.clone() x2=x2.clone() y1=num(middle) y2=num(middle)
                    data-ci-lower=data_value(lower) data-ci-upper=data_value(upper)></line>
                <line class="ci ci-cap" x1=x1.clone() x2=x1 y1=num(middle - 5.0) y2=num(middle + 5.0)></line>
                <line class="ci ci-cap" x1=x2.clone() x2=x2 y1=num(middle - 5.0) y2=num(middle + 5.0)></line>
            </g>
        }
    });
    // The value goes right of everything drawn in the row, so that it never
    // collides with the whisker or the reference marker.
    let rightmost = [
        Some(percent),
        ci.map(|(_, upper)| upper),
        reference.map(|r| r + 1.0),
    ]
    .into_iter()
    .flatten()
    .fold(0.0_f64, f64::max);
    view! {
        <rect class=bar_class x=num(BAR_PLOT_X) y=num(bar_top) width=num(x_of(percent, BAR_PLOT_WIDTH))
            height=num(BAR_HEIGHT) data-factor-percent=data_value(percent)
            stroke-width=if elevated { "2" } else { "0" }></rect>
        {whisker}
        <text class="value" x=num(bar_x(rightmost) + 6.0) y=num(middle + 4.0)>
            {format_percent(percent)}
        </text>
    }
    .into_any()
}

/// One factor: label, marker, bar (or note), whisker, reference, value.
fn bar_row_view(row: &BarRow, index: usize) -> AnyView {
    let top = BAR_TOP + index as f64 * BAR_ROW_HEIGHT;
    let middle = top + BAR_ROW_HEIGHT / 2.0;
    let percent = clean_percent(row.percent);
    let reference = clean_percent(row.reference);
    // Lowered protection is as much of concern as elevated risk: both get
    // the marker, so print in black and white still shows them.
    let elevated = row.highlight != Highlight::None;
    let row_class = format!(
        "bar-row{}{}",
        match row.highlight {
            Highlight::None => "",
            Highlight::Elevated => " elevated",
            Highlight::Lowered => " lowered",
        },
        if percent.is_none() {
            " suppressed-row"
        } else {
            ""
        }
    );
    let tooltip = match row.n {
        Some(n) => format!("{} (n = {n})", row.label),
        None => row.label.clone(),
    };
    let marker = elevated.then(|| {
        view! {
            <text class="elevated-marker" x=num(BAR_MARKER_X) y=num(middle + 4.0) text-anchor="middle" font-size="10">
                {if row.highlight == Highlight::Lowered { "▼" } else { "▲" }}
            </text>
        }
    });
    let plot = match percent {
        Some(p) => bar_value_view(row, p, top, reference),
        None => {
            let note = row
                .note
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| "–".to_string());
            view! {
                <text class="suppressed" x=num(BAR_PLOT_X + 4.0) y=num(middle + 4.0) font-style="italic">
                    {note}
                </text>
            }
            .into_any()
        }
    };
    let reference_marker = reference.map(|r| {
        let x = num(bar_x(r));
        view! {
            <line class="ref-marker" x1=x.clone() x2=x y1=num(top + 3.0) y2=num(top + BAR_ROW_HEIGHT - 3.0)
                stroke-width="3" data-reference=data_value(r)></line>
        }
    });
    // The marker goes over the bar, but under a note (whose halo keeps it
    // legible where the marker crosses it).
    let (marker_under, marker_over) = if percent.is_some() {
        (None, reference_marker)
    } else {
        (reference_marker, None)
    };
    view! {
        <g class=row_class data-label=row.label.clone() data-kind=row.kind.class()
            data-n=row.n.map(|n| n.to_string())>
            {svg_title(tooltip)}
            <text class=if elevated { "bar-label elevated" } else { "bar-label" } x=num(BAR_LABEL_END)
                y=num(middle + 4.0) text-anchor="end" font-weight=if elevated { "bold" } else { "normal" }>
                {truncate(&row.label, BAR_LABEL_MAX_CHARS)}
            </text>
            {marker}
            {marker_under}
            {plot}
            {marker_over}
        </g>
    }
    .into_any()
}

/// Light bands behind every other row, drawn under the gridlines.
fn bar_bands(count: usize) -> AnyView {
    (0..count)
        .step_by(2)
        .map(|index| {
            let top = BAR_TOP + index as f64 * BAR_ROW_HEIGHT;
            view! {
                <rect class="row-band" x="0" y=num(top) width=num(BAR_VIEW_WIDTH)
                    height=num(BAR_ROW_HEIGHT)></rect>
            }
        })
        .collect_view()
        .into_any()
}

/// Horizontal bar chart of a profile: one row per factor with its percent,
/// 95 % confidence interval and reference marker, on a fixed 0–100 % axis.
///
/// Renders a `<figure class="chart bar-chart">` with the title as visible
/// `<figcaption>` (so the page needs no extra heading) and a scalable SVG
/// (`width="100%"`, viewBox 760 wide, height from the row count) inside a
/// `.chart-scroll` container, which keeps the text legible on phones.
/// With no rows, the figure holds `empty_text` instead of the SVG.
#[component]
pub fn BarChart(
    /// Everything the chart shows, already translated.
    data: BarChartData,
) -> impl IntoView {
    let id = safe_id(&data.id);
    if data.rows.is_empty() {
        return empty_figure("bar-chart", id, data.title, data.empty_text);
    }
    let rows_bottom = BAR_TOP + data.rows.len() as f64 * BAR_ROW_HEIGHT;
    let legend_items = non_empty_items(vec![
        (Swatch::Whisker, data.ci_label.as_str()),
        (Swatch::RefMarker, data.reference_label.as_str()),
        (Swatch::Elevated, data.elevated_label.as_str()),
    ]);
    let texts: Vec<&str> = legend_items.iter().map(|(_, t)| t.as_str()).collect();
    let (positions, legend_height) =
        layout_legend(&texts, 8.0, BAR_VIEW_WIDTH - 8.0, rows_bottom + 10.0);
    let height = rows_bottom + 10.0 + legend_height + 6.0;
    let desc = chart_desc(
        &data.summary,
        data.rows
            .iter()
            .map(|row| {
                let text = describe_row(row);
                if row.highlight != Highlight::None && !data.elevated_label.trim().is_empty() {
                    format!("{text} ({})", data.elevated_label.trim())
                } else {
                    text
                }
            })
            .collect(),
    );
    let rows = data
        .rows
        .iter()
        .enumerate()
        .map(|(index, row)| bar_row_view(row, index))
        .collect_view();
    let legend = legend_view(legend_items, &positions, "");
    view! {
        <figure class="chart bar-chart" id=id.clone()>
            <figcaption class="chart-title">{data.title.clone()}</figcaption>
            <div class="chart-scroll">
                <svg class="chart-svg" role="img" aria-labelledby=format!("{id}-title {id}-desc")
                    width="100%" viewBox=format!("0 0 {} {}", num(BAR_VIEW_WIDTH), num(height))
                    preserveAspectRatio="xMinYMin meet" font-size="12">
                    {svg_title_with_id(format!("{id}-title"), data.title)}
                    <desc id=format!("{id}-desc")>{desc}</desc>
                    <g class="bands">{bar_bands(data.rows.len())}</g>
                    <g class="axis">{bar_axis(rows_bottom)}</g>
                    <g class="rows">{rows}</g>
                    {legend}
                </svg>
            </div>
        </figure>
    }
    .into_any()
}

/* ------------------------------------------------------------------------ */
/* 2. Heat map                                                              */
/* ------------------------------------------------------------------------ */

/// Width of a heat-map cell (including the gap to its neighbour).
const HEAT_CELL_WIDTH: f64 = 34.0;
/// Height of a heat-map cell (including the gap to its neighbour).
const HEAT_CELL_HEIGHT: f64 = 26.0;
/// Column labels longer than this are shortened with "…".
const HEAT_COLUMN_MAX_CHARS: usize = 28;
/// Row labels longer than this are shortened with "…".
const HEAT_ROW_MAX_CHARS: usize = 30;
/// Font size of the row and column labels.
const HEAT_LABEL_FONT: f64 = 12.0;
/// Angle of the column labels (degrees, counter-clockwise from horizontal).
const HEAT_COLUMN_ANGLE: f64 = 55.0;
/// Number of steps in the legend's colour ramp.
const HEAT_RAMP_STEPS: usize = 9;
/// Width of one step of the legend's colour ramp.
const HEAT_RAMP_STEP_WIDTH: f64 = 16.0;

/// Where everything in a heat map goes; computed from the labels' lengths.
#[derive(Clone, Copy, Debug, PartialEq)]
struct HeatGeometry {
    /// Width of the row-label column; the first cell starts here.
    label_width: f64,
    /// Height of the rotated column labels; the first row starts here.
    header_height: f64,
    /// Bottom of the last row.
    grid_bottom: f64,
    /// Width of the whole viewBox.
    width: f64,
    /// Left edge of the colour ramp in the legend.
    ramp_x: f64,
}

/// Lays out a heat map with `columns` columns and `rows` rows.
fn heat_geometry(data: &HeatMapData) -> HeatGeometry {
    let longest_row = data
        .rows
        .iter()
        .map(|r| r.label.chars().count().min(HEAT_ROW_MAX_CHARS))
        .max()
        .unwrap_or(0);
    let longest_column = data
        .columns
        .iter()
        .map(|c| c.label.chars().count().min(HEAT_COLUMN_MAX_CHARS))
        .max()
        .unwrap_or(0);
    let label_width = (longest_row as f64 * HEAT_LABEL_FONT * 0.6 + 16.0).max(80.0);
    let column_text = longest_column as f64 * HEAT_LABEL_FONT * 0.6;
    let angle = HEAT_COLUMN_ANGLE.to_radians();
    let header_height = (column_text * angle.sin() + 14.0).max(40.0);
    // Rotated labels lean to the right: the last one sticks out past the grid.
    let overhang = (column_text * angle.cos() - HEAT_CELL_WIDTH / 2.0).max(0.0) + 8.0;
    let grid_right = label_width + data.columns.len() as f64 * HEAT_CELL_WIDTH;
    let grid_bottom = header_height + data.rows.len() as f64 * HEAT_CELL_HEIGHT;
    let ramp_x = 8.0 + text_width(&data.legend_better, LEGEND_FONT) + 8.0;
    let ramp_line_width = ramp_x
        + HEAT_RAMP_STEPS as f64 * HEAT_RAMP_STEP_WIDTH
        + 8.0
        + text_width(&data.legend_worse, LEGEND_FONT)
        + 8.0;
    HeatGeometry {
        label_width,
        header_height,
        grid_bottom,
        width: (grid_right + overhang).max(ramp_line_width).max(320.0),
        ramp_x,
    }
}

/// The rotated column labels.
fn heat_header(columns: &[HeatColumn], geo: HeatGeometry) -> AnyView {
    columns
        .iter()
        .enumerate()
        .map(|(index, column)| {
            let x = geo.label_width + (index as f64 + 0.5) * HEAT_CELL_WIDTH + 4.0;
            let y = geo.header_height - 6.0;
            view! {
                <g class="column-label" data-column=column.id.clone()>
                    {svg_title(column.label.clone())}
                    <text x="0" y="0" text-anchor="start" font-size=num(HEAT_LABEL_FONT)
                        transform=format!("translate({},{}) rotate(-{})", num(x), num(y), num(HEAT_COLUMN_ANGLE))>
                        {truncate(&column.label, HEAT_COLUMN_MAX_CHARS)}
                    </text>
                </g>
            }
        })
        .collect_view()
        .into_any()
}

/// One heat-map cell: coloured rectangle, signed difference, tooltip.
fn heat_cell_view(
    cell: Option<&HeatCell>,
    column: &HeatColumn,
    (x, y): (f64, f64),
    hatch_url: &str,
) -> AnyView {
    let difference = cell
        .and_then(|c| c.difference_points)
        .filter(|d| d.is_finite());
    let suppressed = cell.is_some_and(|c| c.suppressed);
    let significant = !suppressed && difference.is_some() && cell.is_some_and(|c| c.significant);
    let percent = cell.and_then(|c| clean_percent(c.percent));
    let (rect_class, fill, text, text_class, text_fill) = match (suppressed, difference) {
        (true, _) => (
            "heat-cell suppressed".to_string(),
            hatch_url.to_string(),
            "–".to_string(),
            "heat-text empty",
            None,
        ),
        (false, None) => (
            "heat-cell missing".to_string(),
            "#ffffff".to_string(),
            "–".to_string(),
            "heat-text empty",
            None,
        ),
        (false, Some(d)) => (
            if significant {
                "heat-cell significant".to_string()
            } else {
                "heat-cell".to_string()
            },
            heat_colour(d, column.higher_is_worse),
            format!(
                "{}{}",
                format_points_short(d),
                if significant { "*" } else { "" }
            ),
            "heat-text",
            Some(heat_text_colour(d, column.higher_is_worse)),
        ),
    };
    let tooltip = {
        let mut t = format!("{}: ", column.label);
        match difference.filter(|_| !suppressed) {
            Some(d) => {
                t.push_str(&format_points(d));
                if significant {
                    t.push('*');
                }
                if let Some(p) = percent {
                    t.push_str(&format!(" ({})", format_percent(p)));
                }
            }
            None => t.push('–'),
        }
        t
    };
    view! {
        <g class="heat-cell-group">
            {svg_title(tooltip)}
            <rect class=rect_class x=num(x + 1.0) y=num(y + 1.0) width=num(HEAT_CELL_WIDTH - 2.0)
                height=num(HEAT_CELL_HEIGHT - 2.0) fill=fill data-column=column.id.clone()
                data-difference=difference.filter(|_| !suppressed).map(data_value)></rect>
            <text class=text_class x=num(x + HEAT_CELL_WIDTH / 2.0) y=num(y + HEAT_CELL_HEIGHT / 2.0 + 4.0)
                text-anchor="middle" font-size="11" fill=text_fill>
                {text}
            </text>
        </g>
    }
    .into_any()
}

/// One district: label (a link when it has an `href`) and its cells.
fn heat_row_view(
    row: &HeatRow,
    index: usize,
    columns: &[HeatColumn],
    geo: HeatGeometry,
    hatch_url: &str,
) -> AnyView {
    let y = geo.header_height + index as f64 * HEAT_CELL_HEIGHT;
    let label_x = num(geo.label_width - 8.0);
    let label_y = num(y + HEAT_CELL_HEIGHT / 2.0 + 4.0);
    let short = truncate(&row.label, HEAT_ROW_MAX_CHARS);
    let label = match row.href.clone() {
        Some(href) => view! {
            <g class="row-label">
                {svg_title(row.label.clone())}
                {svg_link(href, "row-link", view! {
                    <text x=label_x y=label_y text-anchor="end">{short}</text>
                })}
            </g>
        }
        .into_any(),
        None => view! {
            <g class="row-label">
                {svg_title(row.label.clone())}
                <text x=label_x y=label_y text-anchor="end">{short}</text>
            </g>
        }
        .into_any(),
    };
    let cells = columns
        .iter()
        .enumerate()
        .map(|(column_index, column)| {
            let x = geo.label_width + column_index as f64 * HEAT_CELL_WIDTH;
            heat_cell_view(row.cells.get(column_index), column, (x, y), hatch_url)
        })
        .collect_view();
    view! {
        <g class="heat-row" data-label=row.label.clone()>
            {label}
            {cells}
        </g>
    }
    .into_any()
}

/// The colour ramp with its end texts; its top edge is at `y`.
fn heat_ramp(data: &HeatMapData, geo: HeatGeometry, y: f64) -> AnyView {
    let steps = (0..HEAT_RAMP_STEPS)
        .map(|step| {
            // From 20 points better (left) to 20 points worse (right).
            let fraction = step as f64 / (HEAT_RAMP_STEPS - 1) as f64;
            let worse_by = -HEAT_SATURATION_POINTS + 2.0 * HEAT_SATURATION_POINTS * fraction;
            view! {
                <rect class="ramp-step" x=num(geo.ramp_x + step as f64 * HEAT_RAMP_STEP_WIDTH) y=num(y)
                    width=num(HEAT_RAMP_STEP_WIDTH) height="12" fill=heat_colour(worse_by, true)></rect>
            }
        })
        .collect_view();
    let ramp_end = geo.ramp_x + HEAT_RAMP_STEPS as f64 * HEAT_RAMP_STEP_WIDTH;
    let tick_y = num(y + 24.0);
    view! {
        <g class="legend ramp">
            <text class="legend-text" x=num(geo.ramp_x - 8.0) y=num(y + 10.0) text-anchor="end" font-size="11">
                {data.legend_better.clone()}
            </text>
            {steps}
            <rect class="ramp-frame" x=num(geo.ramp_x) y=num(y) width=num(ramp_end - geo.ramp_x) height="12"
                fill="none"></rect>
            <text class="legend-text" x=num(ramp_end + 8.0) y=num(y + 10.0) font-size="11">
                {data.legend_worse.clone()}
            </text>
            // The ends mean "20 points or more" towards worse or better; the
            // sign depends on the column, so the ticks show magnitudes only.
            <text class="tick" x=num(geo.ramp_x) y=tick_y.clone() text-anchor="start" font-size="10">"≥ 20"</text>
            <text class="tick" x=num((geo.ramp_x + ramp_end) / 2.0) y=tick_y.clone() text-anchor="middle" font-size="10">"0"</text>
            <text class="tick" x=num(ramp_end) y=tick_y text-anchor="end" font-size="10">"≥ 20"</text>
        </g>
    }
    .into_any()
}

/// Heat map comparing districts (rows) on factors (columns): each cell is
/// coloured by the district's difference from the reference in percentage
/// points and shows it as a signed whole number; "*" and a thick border mark
/// significant differences, hatching and "–" suppressed values.
///
/// Renders a `<figure class="chart heat-map">` with the title as visible
/// `<figcaption>` and the SVG at its natural size (width and height
/// attributes, viewBox width from the column count) inside a horizontally
/// scrolling `.chart-scroll` container; print CSS scales it to the page.
/// Row labels with an `href` are links. With no rows or no columns, the
/// figure holds `empty_text` instead of the SVG.
#[component]
pub fn HeatMap(
    /// Everything the chart shows, already translated.
    data: HeatMapData,
) -> impl IntoView {
    let id = safe_id(&data.id);
    if data.rows.is_empty() || data.columns.is_empty() {
        return empty_figure("heat-map", id, data.title, data.empty_text);
    }
    let geo = heat_geometry(&data);
    let hatch_id = format!("{id}-hatch");
    let hatch_url = format!("url(#{hatch_id})");
    let ramp_y = geo.grid_bottom + 14.0;
    let legend_items = non_empty_items(vec![
        (Swatch::SignificantCell, data.legend_significant.as_str()),
        (Swatch::SuppressedCell, data.legend_suppressed.as_str()),
    ]);
    let texts: Vec<&str> = legend_items.iter().map(|(_, t)| t.as_str()).collect();
    let (positions, legend_height) = layout_legend(&texts, 8.0, geo.width - 8.0, ramp_y + 32.0);
    let height = ramp_y + 32.0 + legend_height + 6.0;

    let mut any_significant = false;
    let row_descriptions = data
        .rows
        .iter()
        .map(|row| {
            let cells = data
                .columns
                .iter()
                .enumerate()
                .map(|(index, column)| {
                    let cell = row.cells.get(index);
                    let difference = cell
                        .filter(|c| !c.suppressed)
                        .and_then(|c| c.difference_points)
                        .filter(|d| d.is_finite());
                    match difference {
                        Some(d) => {
                            let significant = cell.is_some_and(|c| c.significant);
                            any_significant |= significant;
                            let percent = cell
                                .and_then(|c| clean_percent(c.percent))
                                .map(|p| format!(" ({})", format_percent(p)))
                                .unwrap_or_default();
                            format!(
                                "{} {}{}{percent}",
                                column.label,
                                format_points(d),
                                if significant { "*" } else { "" }
                            )
                        }
                        None => format!("{} –", column.label),
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!("{}: {cells}", row.label)
        })
        .collect::<Vec<_>>();
    let mut desc = chart_desc(&data.summary, row_descriptions);
    if any_significant && !data.legend_significant.trim().is_empty() {
        desc.push_str(&format!(" * = {}.", data.legend_significant.trim()));
    }

    let rows = data
        .rows
        .iter()
        .enumerate()
        .map(|(index, row)| heat_row_view(row, index, &data.columns, geo, &hatch_url))
        .collect_view();
    let header = heat_header(&data.columns, geo);
    let ramp = heat_ramp(&data, geo, ramp_y);
    let legend = legend_view(legend_items, &positions, &hatch_url);
    view! {
        <figure class="chart heat-map" id=id.clone()>
            <figcaption class="chart-title">{data.title.clone()}</figcaption>
            <div class="chart-scroll">
                <svg class="chart-svg" role="img" aria-labelledby=format!("{id}-title {id}-desc")
                    width=num(geo.width) height=num(height)
                    viewBox=format!("0 0 {} {}", num(geo.width), num(height))
                    preserveAspectRatio="xMinYMin meet" font-size="12">
                    {svg_title_with_id(format!("{id}-title"), data.title)}
                    <desc id=format!("{id}-desc")>{desc}</desc>
                    <defs>
                        <pattern id=hatch_id width="6" height="6" patternUnits="userSpaceOnUse"
                            patternTransform="rotate(45)">
                            <rect class="hatch-bg" x="0" y="0" width="6" height="6"></rect>
                            <line class="hatch-line" x1="0" y1="0" x2="0" y2="6" stroke-width="2"></line>
                        </pattern>
                    </defs>
                    <g class="columns">{header}</g>
                    <g class="rows">{rows}</g>
                    {ramp}
                    {legend}
                </svg>
            </div>
        </figure>
    }
    .into_any()
}

/* ------------------------------------------------------------------------ */
/* 3. Trend chart                                                           */
/* ------------------------------------------------------------------------ */

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

/* ------------------------------------------------------------------------ */
/* Tests                                                                    */
/* ------------------------------------------------------------------------ */

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_uses_decimal_comma_and_rounds_half_up() {
        assert_eq!(format_percent(38.25), "38,3 %");
        assert_eq!(format_percent(38.2), "38,2 %");
        assert_eq!(format_percent(0.0), "0,0 %");
        assert_eq!(format_percent(-0.04), "0,0 %");
        assert_eq!(format_percent(100.0), "100,0 %");
        assert_eq!(format_percent(f64::NAN), "–");
        assert_eq!(format_percent(f64::INFINITY), "–");
    }

    #[test]
    fn points_are_signed_with_a_real_minus() {
        assert_eq!(format_points(-13.6), "\u{2212}13,6 Pp.");
        assert_eq!(format_points(2.0), "+2,0 Pp.");
        assert_eq!(format_points(0.04), "0,0 Pp.");
        assert_eq!(format_points(-0.04), "0,0 Pp.");
        assert_eq!(format_points(f64::NAN), "–");
        assert_eq!(format_points_short(12.4), "+12");
        assert_eq!(format_points_short(-2.5), "\u{2212}3");
        assert_eq!(format_points_short(-0.3), "0");
        assert_eq!(format_points_short(f64::NEG_INFINITY), "–");
    }

    #[test]
    fn data_values_use_a_dot_and_one_decimal() {
        assert_eq!(data_value(38.25), "38.3");
        assert_eq!(data_value(27.0), "27.0");
        assert_eq!(data_value(-0.01), "0.0");
        assert_eq!(num(12.5), "12.5");
        assert_eq!(num(12.0), "12");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(f64::NAN), "0");
    }

    #[test]
    fn heat_colour_endpoints_symmetry_and_clamping() {
        assert_eq!(heat_colour(0.0, true), "#f7f7f7");
        assert_eq!(heat_colour(20.0, true), "#b3261e");
        assert_eq!(heat_colour(-20.0, true), "#1e6b3a");
        // Protective factors: lower is worse.
        assert_eq!(heat_colour(-20.0, false), "#b3261e");
        assert_eq!(heat_colour(20.0, false), "#1e6b3a");
        for d in [0.5, 3.0, 7.5, 12.0, 19.9, 35.0] {
            assert_eq!(heat_colour(d, true), heat_colour(-d, false));
            assert_eq!(heat_colour(-d, true), heat_colour(d, false));
        }
        assert_eq!(heat_colour(55.0, true), heat_colour(20.0, true));
        assert_eq!(heat_colour(-1e9, true), heat_colour(-20.0, true));
        assert_eq!(heat_colour(f64::NAN, true), "#f7f7f7");
        assert_ne!(heat_colour(10.0, true), heat_colour(0.0, true));
    }

    #[test]
    fn heat_text_is_readable_on_every_fill() {
        assert_eq!(heat_text_colour(0.0, true), "#000000");
        assert_eq!(heat_text_colour(20.0, true), "#ffffff");
        assert_eq!(heat_text_colour(-20.0, true), "#ffffff");
        for step in -40..=40 {
            let d = f64::from(step);
            let fill = relative_luminance(heat_rgb(d, true));
            let text = if heat_text_colour(d, true) == "#ffffff" {
                1.0
            } else {
                0.0
            };
            let (light, dark) = if text > fill {
                (text, fill)
            } else {
                (fill, text)
            };
            let contrast = (light + 0.05) / (dark + 0.05);
            assert!(contrast >= 4.5, "contrast {contrast} at {d}");
        }
    }

    #[test]
    fn geometry_clamps() {
        assert_eq!(x_of(0.0, 400.0), 0.0);
        assert_eq!(x_of(50.0, 400.0), 200.0);
        assert_eq!(x_of(100.0, 400.0), 400.0);
        assert_eq!(x_of(140.0, 400.0), 400.0);
        assert_eq!(x_of(-5.0, 400.0), 0.0);
        assert_eq!(x_of(f64::NAN, 400.0), 0.0);
        assert_eq!(x_of(50.0, f64::NAN), 0.0);
        assert_eq!(y_of(0.0, 50.0, 100.0), 100.0);
        assert_eq!(y_of(50.0, 50.0, 100.0), 0.0);
        assert_eq!(y_of(80.0, 50.0, 100.0), 0.0);
        assert_eq!(y_of(25.0, 50.0, 100.0), 50.0);
        assert_eq!(y_of(f64::NAN, 50.0, 100.0), 100.0);
        assert_eq!(y_of(50.0, 0.0, 100.0), 50.0);
    }

    #[test]
    fn cleaning_clamps_and_orders() {
        assert_eq!(clean_percent(Some(120.0)), Some(100.0));
        assert_eq!(clean_percent(Some(-3.0)), Some(0.0));
        assert_eq!(clean_percent(Some(f64::NAN)), None);
        assert_eq!(clean_ci(Some((43.5, 33.1))), Some((33.1, 43.5)));
        assert_eq!(clean_ci(Some((-1.0, 140.0))), Some((0.0, 100.0)));
        assert_eq!(clean_ci(Some((f64::NAN, 10.0))), None);
    }

    #[test]
    fn labels_and_ids() {
        assert_eq!(truncate("kurz", 38), "kurz");
        let long = "Frühes Einstiegsalter in problematisches Verhalten (Gewalt)";
        let short = truncate(long, 38);
        assert_eq!(short.chars().count(), 38);
        assert!(short.ends_with('…'));
        assert_eq!(safe_id("profil nord/1"), "profil-nord-1");
        assert_eq!(safe_id("  "), "chart");
    }

    #[test]
    fn row_description_is_german() {
        let row = BarRow {
            label: "Familienkonflikte".into(),
            percent: Some(38.2),
            ci: Some((33.1, 43.5)),
            reference: Some(27.0),
            ..Default::default()
        };
        assert_eq!(
            describe_row(&row),
            "Familienkonflikte: 38,2 % (95 %-KI 33,1–43,5), Referenz 27,0 %"
        );
        let suppressed = BarRow {
            label: "Schule".into(),
            note: Some("unterdrückt".into()),
            ..Default::default()
        };
        assert_eq!(describe_row(&suppressed), "Schule: unterdrückt");
    }

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

    #[test]
    fn legend_wraps() {
        let (positions, height) = layout_legend(&["a", "b"], 8.0, 700.0, 100.0);
        assert_eq!(positions.len(), 2);
        assert_eq!(positions[0].1, positions[1].1);
        assert_eq!(height, LEGEND_LINE_HEIGHT);
        let long = "x".repeat(60);
        let (positions, height) = layout_legend(&[long.as_str(), long.as_str()], 8.0, 352.0, 100.0);
        assert!(positions[1].1 > positions[0].1);
        assert_eq!(height, 2.0 * LEGEND_LINE_HEIGHT);
    }
}

#[cfg(all(test, feature = "ssr"))]
mod render_tests {
    use super::*;

    fn bar_data(rows: Vec<BarRow>) -> BarChartData {
        BarChartData {
            id: "profil".into(),
            title: "Risikofaktoren Nord".into(),
            summary: "Anteil der Befragten mit hoher Belastung.".into(),
            rows,
            reference_label: "Stadt gesamt".into(),
            empty_text: "Keine Daten".into(),
            elevated_label: "auffällig erhöht".into(),
            ci_label: "95-%-Konfidenzintervall".into(),
        }
    }

    #[test]
    fn bar_chart_renders_values_and_notes() {
        let data = bar_data(vec![
            BarRow {
                label: "Familienkonflikte".into(),
                kind: BarKind::Risk,
                percent: Some(38.25),
                ci: Some((33.1, 43.5)),
                reference: Some(27.0),
                n: Some(245),
                highlight: Highlight::Elevated,
                note: None,
            },
            BarRow {
                label: "Schulische Bindung & <Engagement>".into(),
                kind: BarKind::Protective,
                percent: None,
                note: Some("unterdrückt (< 15 Antworten)".into()),
                ..Default::default()
            },
        ]);
        let html = view! { <BarChart data=data /> }.to_html();
        assert!(html.contains(r#"data-factor-percent="38.3""#), "{html}");
        assert!(html.contains(r#"data-reference="27.0""#), "{html}");
        assert!(html.contains(r#"data-ci-lower="33.1""#), "{html}");
        assert!(html.contains(r#"data-ci-upper="43.5""#), "{html}");
        assert!(html.contains(r#"role="img""#), "{html}");
        assert!(
            html.contains(r#"aria-labelledby="profil-title profil-desc""#),
            "{html}"
        );
        assert!(
            html.contains(r#"<title id="profil-title">Risikofaktoren Nord</title>"#),
            "{html}"
        );
        assert!(html.contains(r#"<desc id="profil-desc">"#), "{html}");
        assert!(html.contains("Familienkonflikte: 38,3 % (95 %-KI 33,1–43,5), Referenz 27,0 %"));
        assert!(html.contains("38,3 %"), "{html}");
        assert!(html.contains("unterdrückt (&lt; 15 Antworten)"), "{html}");
        assert!(html.contains(r#"class="bar-row elevated""#), "{html}");
        assert!(html.contains(r#"data-label="Familienkonflikte""#), "{html}");
        assert!(html.contains("▲"), "{html}");
        assert!(html.contains(r#"viewBox="0 0 760 "#), "{html}");
        assert!(!html.contains("<Engagement>"), "{html}");
    }

    #[test]
    fn bar_chart_survives_weird_numbers() {
        let data = bar_data(vec![
            BarRow {
                label: "Kaputt".into(),
                percent: Some(f64::NAN),
                ci: Some((f64::NEG_INFINITY, f64::NAN)),
                reference: Some(f64::INFINITY),
                ..Default::default()
            },
            BarRow {
                label: "Zu hoch".into(),
                percent: Some(250.0),
                ci: Some((120.0, -4.0)),
                reference: Some(-10.0),
                ..Default::default()
            },
        ]);
        let html = view! { <BarChart data=data /> }.to_html();
        assert!(!html.contains("NaN"), "{html}");
        assert!(!html.contains("inf"), "{html}");
        assert!(html.contains(r#"data-factor-percent="100.0""#), "{html}");
        assert!(html.contains(r#"data-ci-lower="0.0""#), "{html}");
        assert!(html.contains(r#"data-reference="0.0""#), "{html}");
    }

    #[test]
    fn empty_bar_chart_shows_the_empty_text() {
        let html = view! { <BarChart data=bar_data(vec![]) /> }.to_html();
        assert!(html.contains("Keine Daten"), "{html}");
        assert!(!html.contains("<svg"), "{html}");
    }

    fn heat_data() -> HeatMapData {
        HeatMapData {
            id: "vergleich".into(),
            title: "Stadtteile im Vergleich".into(),
            summary: "Abweichung von der Stadt in Prozentpunkten.".into(),
            columns: vec![
                HeatColumn {
                    id: "family_conflict".into(),
                    label: "Familienkonflikte".into(),
                    higher_is_worse: true,
                },
                HeatColumn {
                    id: "school_bonding".into(),
                    label: "Schulische Bindung".into(),
                    higher_is_worse: false,
                },
                HeatColumn {
                    id: "extra".into(),
                    label: "Ohne Zelle".into(),
                    higher_is_worse: true,
                },
            ],
            rows: vec![HeatRow {
                label: "Nord".into(),
                href: Some("/profil/nord".into()),
                cells: vec![
                    HeatCell {
                        difference_points: Some(12.4),
                        percent: Some(38.2),
                        significant: true,
                        suppressed: false,
                    },
                    HeatCell {
                        difference_points: Some(f64::NAN),
                        percent: None,
                        significant: false,
                        suppressed: true,
                    },
                ],
            }],
            empty_text: "Keine Stadtteile".into(),
            legend_worse: "ungünstiger".into(),
            legend_better: "günstiger".into(),
            legend_significant: "signifikant".into(),
            legend_suppressed: "unterdrückt".into(),
        }
    }

    #[test]
    fn heat_map_renders_cells_links_and_legend() {
        let html = view! { <HeatMap data=heat_data() /> }.to_html();
        assert!(html.contains(r#"data-difference="12.4""#), "{html}");
        assert!(html.contains("+12*"), "{html}");
        assert!(html.contains(r#"class="heat-cell significant""#), "{html}");
        assert!(html.contains(r#"class="heat-cell suppressed""#), "{html}");
        assert!(html.contains(r#"href="/profil/nord""#), "{html}");
        assert!(html.contains(r#"fill="url(#vergleich-hatch)""#), "{html}");
        assert!(html.contains(r#"<pattern id="vergleich-hatch""#), "{html}");
        assert!(html.contains(r#"aria-labelledby="vergleich-title vergleich-desc""#));
        assert!(html.contains("rotate(-55)"), "{html}");
        assert!(html.contains(r#"class="chart-scroll""#), "{html}");
        assert!(html.contains("ungünstiger"), "{html}");
        assert!(html.contains(&heat_colour(12.4, true)), "{html}");
        assert!(!html.contains("NaN"), "{html}");
        let empty = view! {
            <HeatMap data=HeatMapData { rows: vec![], ..heat_data() } />
        }
        .to_html();
        assert!(empty.contains("Keine Stadtteile"), "{empty}");
    }

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
