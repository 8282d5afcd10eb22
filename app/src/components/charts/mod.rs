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
//!
//! One file per kind of chart (`bar`, `heat_map`, `trend`); what they share
//! sits beside them: number formatting (`format`), scales and geometry
//! (`scale`), SVG pieces and text alternatives (`svg`) and the legend
//! (`legend`).

mod bar;
mod format;
mod heat_map;
mod legend;
mod scale;
mod svg;
mod trend;

pub use bar::{BarChart, BarChartData, BarKind, BarRow, Highlight};
pub use format::{format_percent, format_points, format_relative_percent};
pub use heat_map::{
    HeatCell, HeatColumn, HeatMap, HeatMapData, HeatRow, HeatUnit, heat_colour, heat_text_colour,
};
pub use trend::{TrendChart, TrendChartData, TrendPoint};
