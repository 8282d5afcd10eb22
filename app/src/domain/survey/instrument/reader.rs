//! Generic, error-collecting access to a span-annotated TOML tree.
//!
//! Why not `#[derive(Deserialize)]` on raw structs: serde stops at the first
//! type error, but instrument authors should see every problem of a file at
//! once. So the loader walks `toml::de::DeTable` (which keeps the byte span of
//! every key and value) by hand, and these helpers turn each type error into a
//! reported [`InstrumentError`] plus `None`, letting the walk continue.

use std::fmt::Display;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use super::error::InstrumentError;

/// A TOML value with the byte span of its source text.
pub(super) type Node<'i> = Spanned<DeValue<'i>>;

/// Collects errors and turns byte offsets into line/column positions.
pub(super) struct Diagnostics<'s> {
    file: &'s str,
    source: &'s str,
    /// Byte offset of the first character of every line.
    line_starts: Vec<usize>,
    errors: Vec<InstrumentError>,
}

impl<'s> Diagnostics<'s> {
    /// Prepares diagnostics for `source`, reported under the name `file`.
    pub(super) fn new(file: &'s str, source: &'s str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(offset, _)| offset + 1))
            .collect();
        Self {
            file,
            source,
            line_starts,
            errors: Vec::new(),
        }
    }

    /// 1-based line and 1-based character column of a byte offset.
    pub(super) fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.source.len());
        // `line_starts[0] == 0 <= offset`, so the partition point is >= 1.
        let line = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let column = match self.source.get(start..offset) {
            Some(prefix) => prefix.chars().count() + 1,
            // Not on a char boundary (should not happen with parser spans):
            // fall back to the byte distance rather than failing.
            None => offset - start + 1,
        };
        (line, column)
    }

    /// 1-based line of a byte offset.
    pub(super) fn line_of(&self, offset: usize) -> usize {
        self.position(offset).0
    }

    /// Records an error at the start of `span`.
    pub(super) fn report(&mut self, span: &Range<usize>, key: &str, message: impl Into<String>) {
        let (line, column) = self.position(span.start);
        self.errors.push(InstrumentError {
            file: self.file.to_owned(),
            line,
            column,
            key: key.to_owned(),
            message: message.into(),
        });
    }

    /// Records a TOML syntax error. Only the first one per line is kept,
    /// because the parser's recovery often produces a cascade of follow-up
    /// errors for a single typo.
    pub(super) fn report_syntax(&mut self, span: Option<Range<usize>>, message: &str) {
        let span = span.unwrap_or(0..0);
        let line = self.line_of(span.start);
        if self
            .errors
            .iter()
            .any(|error| error.key.is_empty() && error.line == line)
        {
            return;
        }
        self.report(&span, "", format!("TOML syntax error: {message}"));
    }

    /// Whether any error was recorded.
    pub(super) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// The collected errors, sorted by position (stable, so errors at the
    /// same position keep the order in which they were found).
    pub(super) fn into_errors(mut self) -> Vec<InstrumentError> {
        self.errors.sort_by_key(|error| (error.line, error.column));
        self.errors
    }
}

/// "a string", "an integer", … for type-mismatch messages.
pub(super) fn describe(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// Joins displayable values with ", " for "allowed: …" lists.
pub(super) fn list<T: Display>(values: impl IntoIterator<Item = T>) -> String {
    values
        .into_iter()
        .map(|value| value.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A TOML table together with its span and dotted path.
pub(super) struct TableView<'a, 'i> {
    /// The entries.
    pub(super) table: &'a DeTable<'i>,
    /// Span used for "missing key" errors: the `[header]` or `{ … }`.
    pub(super) span: Range<usize>,
    /// Dotted path; empty for the document root.
    pub(super) path: String,
}

impl<'a, 'i> TableView<'a, 'i> {
    /// The path of a child key.
    pub(super) fn child_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// The value of `key`, if present.
    pub(super) fn get(&self, key: &str) -> Option<&'a Node<'i>> {
        self.table.get(key)
    }

    /// Reports every key not in `allowed` (the equivalent of serde's
    /// `deny_unknown_fields`, which catches typos such as `revers = true`).
    pub(super) fn check_keys(&self, d: &mut Diagnostics<'_>, allowed: &[&str]) {
        for (key, _) in self.table.iter() {
            let name: &str = key.get_ref();
            if !allowed.contains(&name) {
                d.report(
                    &key.span(),
                    &self.child_path(name),
                    format!("unknown key \"{name}\" (allowed keys: {})", list(allowed)),
                );
            }
        }
    }

    /// The value of a required `key`; reports it as missing otherwise.
    pub(super) fn required(&self, d: &mut Diagnostics<'_>, key: &str) -> Option<&'a Node<'i>> {
        let node = self.get(key);
        if node.is_none() {
            let what = if self.path.is_empty() {
                "the document".to_owned()
            } else {
                self.path.clone()
            };
            d.report(
                &self.span,
                &self.child_path(key),
                format!("missing required key \"{key}\" in {what}"),
            );
        }
        node
    }

    /// A required string.
    pub(super) fn req_string(&self, d: &mut Diagnostics<'_>, key: &str) -> Option<Spanned<String>> {
        let node = self.required(d, key)?;
        string(d, node, &self.child_path(key))
    }

    /// An optional string (`None` if absent or not a string).
    pub(super) fn opt_string(&self, d: &mut Diagnostics<'_>, key: &str) -> Option<Spanned<String>> {
        let node = self.get(key)?;
        string(d, node, &self.child_path(key))
    }

    /// A required integer.
    pub(super) fn req_integer(&self, d: &mut Diagnostics<'_>, key: &str) -> Option<Spanned<i64>> {
        let node = self.required(d, key)?;
        integer(d, node, &self.child_path(key))
    }

    /// A required finite number (integer or float).
    pub(super) fn req_number(&self, d: &mut Diagnostics<'_>, key: &str) -> Option<Spanned<f64>> {
        let node = self.required(d, key)?;
        number(d, node, &self.child_path(key))
    }

    /// An optional finite number.
    pub(super) fn opt_number(&self, d: &mut Diagnostics<'_>, key: &str) -> Option<Spanned<f64>> {
        let node = self.get(key)?;
        number(d, node, &self.child_path(key))
    }

    /// An optional boolean.
    pub(super) fn opt_bool(&self, d: &mut Diagnostics<'_>, key: &str) -> Option<bool> {
        let node = self.get(key)?;
        boolean(d, node, &self.child_path(key))
    }

    /// A required array with its span and path.
    pub(super) fn req_array(
        &self,
        d: &mut Diagnostics<'_>,
        key: &str,
    ) -> Option<(&'a DeArray<'i>, Range<usize>, String)> {
        let node = self.required(d, key)?;
        let path = self.child_path(key);
        let array = array(d, node, &path)?;
        Some((array, node.span(), path))
    }

    /// An optional array with its span and path.
    pub(super) fn opt_array(
        &self,
        d: &mut Diagnostics<'_>,
        key: &str,
    ) -> Option<(&'a DeArray<'i>, Range<usize>, String)> {
        let node = self.get(key)?;
        let path = self.child_path(key);
        let array = array(d, node, &path)?;
        Some((array, node.span(), path))
    }
}

/// Reports a type mismatch.
fn mismatch(d: &mut Diagnostics<'_>, node: &Node<'_>, path: &str, expected: &str) {
    d.report(
        &node.span(),
        path,
        format!("expected {expected}, found {}", describe(node.get_ref())),
    );
}

/// The value as a string.
pub(super) fn string(
    d: &mut Diagnostics<'_>,
    node: &Node<'_>,
    path: &str,
) -> Option<Spanned<String>> {
    if let Some(text) = node.get_ref().as_str() {
        Some(Spanned::new(node.span(), text.to_owned()))
    } else {
        mismatch(d, node, path, "a string");
        None
    }
}

/// The value as a 64-bit integer.
pub(super) fn integer(
    d: &mut Diagnostics<'_>,
    node: &Node<'_>,
    path: &str,
) -> Option<Spanned<i64>> {
    let Some(raw) = node.get_ref().as_integer() else {
        mismatch(d, node, path, "an integer");
        return None;
    };
    match i64::from_str_radix(raw.as_str(), raw.radix()) {
        Ok(value) => Some(Spanned::new(node.span(), value)),
        Err(_) => {
            d.report(&node.span(), path, format!("integer {raw} is too large"));
            None
        }
    }
}

/// The value as a finite number; integers are accepted where numbers are
/// expected because authors write `cut_point = 3` as naturally as `3.0`.
pub(super) fn number(d: &mut Diagnostics<'_>, node: &Node<'_>, path: &str) -> Option<Spanned<f64>> {
    let value = match node.get_ref() {
        DeValue::Float(raw) => raw.as_str().parse::<f64>().ok(),
        DeValue::Integer(raw) => {
            // Parameters are small; rounding of huge integers is irrelevant.
            i64::from_str_radix(raw.as_str(), raw.radix())
                .ok()
                .map(|value| value as f64)
        }
        _ => {
            mismatch(d, node, path, "a number");
            return None;
        }
    };
    match value {
        Some(value) if value.is_finite() => Some(Spanned::new(node.span(), value)),
        _ => {
            d.report(&node.span(), path, "expected a finite number");
            None
        }
    }
}

/// The value as a boolean.
pub(super) fn boolean(d: &mut Diagnostics<'_>, node: &Node<'_>, path: &str) -> Option<bool> {
    let value = node.get_ref().as_bool();
    if value.is_none() {
        mismatch(d, node, path, "a boolean (true or false)");
    }
    value
}

/// The value as an array.
pub(super) fn array<'a, 'i>(
    d: &mut Diagnostics<'_>,
    node: &'a Node<'i>,
    path: &str,
) -> Option<&'a DeArray<'i>> {
    let value = node.get_ref().as_array();
    if value.is_none() {
        mismatch(d, node, path, "an array");
    }
    value
}

/// The value as a table.
pub(super) fn table<'a, 'i>(
    d: &mut Diagnostics<'_>,
    node: &'a Node<'i>,
    path: String,
) -> Option<TableView<'a, 'i>> {
    match node.get_ref().as_table() {
        Some(table) => Some(TableView {
            table,
            span: node.span(),
            path,
        }),
        None => {
            mismatch(d, node, &path, "a table");
            None
        }
    }
}

/// Parses a string into one of the named `options`, reporting an unknown
/// spelling together with all allowed ones.
pub(super) fn choice<T: Copy>(
    d: &mut Diagnostics<'_>,
    value: &Spanned<String>,
    path: &str,
    what: &str,
    options: &[(&str, T)],
) -> Option<T> {
    let found = options
        .iter()
        .find(|(name, _)| *name == value.get_ref().as_str())
        .map(|(_, option)| *option);
    if found.is_none() {
        d.report(
            &value.span(),
            path,
            format!(
                "unknown {what} \"{}\" (expected one of: {})",
                value.get_ref(),
                list(options.iter().map(|(name, _)| name))
            ),
        );
    }
    found
}

/// Checks that an identifier is non-empty and consists only of characters
/// accepted by `allowed`; `description` names the character set.
pub(super) fn check_identifier(
    d: &mut Diagnostics<'_>,
    value: &Spanned<String>,
    path: &str,
    allowed: fn(char) -> bool,
    description: &str,
) -> bool {
    let text = value.get_ref();
    let ok = !text.is_empty() && text.chars().all(allowed);
    if !ok {
        d.report(
            &value.span(),
            path,
            format!("invalid identifier \"{text}\": use only {description}"),
        );
    }
    ok
}
