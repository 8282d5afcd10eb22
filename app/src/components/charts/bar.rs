//! The factor profile as horizontal bars: one row per factor with its
//! interval and the reference marker.

use super::format::*;
use super::legend::*;
use super::scale::*;
use super::svg::*;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
