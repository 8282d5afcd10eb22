//! The district comparison as a heat map: districts by factors, each cell
//! coloured by its difference from the reference.

use super::format::*;
use super::legend::*;
use super::scale::*;
use super::svg::*;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What a column's differences are measured in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum HeatUnit {
    /// Percentage points (survey factors: district share minus reference).
    #[default]
    Points,
    /// Percent of the reference value (context indicators: district value
    /// relative to the city's, a rate has no "points").
    RelativePercent,
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
    /// The unit of the column's differences; the colour ramp saturates at
    /// 20 of either.
    #[serde(default)]
    pub unit: HeatUnit,
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
                t.push_str(&match column.unit {
                    HeatUnit::Points => format_points(d),
                    HeatUnit::RelativePercent => format_relative_percent(d),
                });
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
    // An image's content is presentational, so district links inside one
    // would be unreachable for screen readers: with links the chart is a
    // labelled group whose links stay in the tab order.
    let role = if data.rows.iter().any(|row| row.href.is_some()) {
        "group"
    } else {
        "img"
    };
    let header = heat_header(&data.columns, geo);
    let ramp = heat_ramp(&data, geo, ramp_y);
    let legend = legend_view(legend_items, &positions, &hatch_url);
    view! {
        <figure class="chart heat-map" id=id.clone()>
            <figcaption class="chart-title">{data.title.clone()}</figcaption>
            <div class="chart-scroll">
                <svg class="chart-svg" role=role aria-labelledby=format!("{id}-title {id}-desc")
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

#[cfg(test)]
mod tests {
    use super::*;

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
}

#[cfg(all(test, feature = "ssr"))]
mod render_tests {
    use super::*;

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
                    unit: HeatUnit::Points,
                },
                HeatColumn {
                    id: "school_bonding".into(),
                    label: "Schulische Bindung".into(),
                    higher_is_worse: false,
                    unit: HeatUnit::Points,
                },
                HeatColumn {
                    id: "extra".into(),
                    label: "Ohne Zelle".into(),
                    higher_is_worse: true,
                    unit: HeatUnit::Points,
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
        // With district links the chart is a group, so the links stay
        // reachable (an image's children are presentational).
        assert!(html.contains(r#"role="group""#), "{html}");
        assert!(!html.contains(r#"role="img""#), "{html}");
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
}
