//! Small-group suppression for report tables (statistical disclosure control).
//!
//! Reports show, per group, how many pupils answered a scale (`n`), how many
//! of them are flagged and the percentage. The respondents are minors, so two
//! rules are hard constraints:
//!
//! 1. no figure is shown for a group with fewer than `k` pupils, and
//! 2. no suppressed figure can be recomputed from the shown ones.
//!
//! This module is generic: a table is a list of cells (only each cell's `n`
//! matters) plus the additive relations between them (`parent = Σ children`),
//! which the caller derives from its cube, e.g. with [`partitions_of_cube`].
//! Because the decision uses only `n` and the relations, the same pattern
//! protects every additive figure of the cell (the flagged count as well as
//! `n`): whether a cell is recomputable depends on which cells are hidden,
//! not on the values.
//!
//! The method and its guarantees are described in `docs/statistics.md`,
//! section "Small-group suppression".

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

/// The minimum group size Quartier uses unless a survey configures another
/// one (the Washington Healthy Youth Survey uses 15 per grade).
pub const DEFAULT_MIN_GROUP_SIZE: u64 = 15;

/// The smallest minimum group size a survey may configure. Below 10, a
/// percentage moves by more than 10 points per pupil and classmates can
/// often tell who is in a group, so a smaller threshold is refused.
pub const MIN_GROUP_SIZE_FLOOR: u64 = 10;

/// A validated minimum group size `k`: groups with `0 < n < k` are never
/// shown. Always at least [`MIN_GROUP_SIZE_FLOOR`], also when deserialised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct MinGroupSize(u64);

impl MinGroupSize {
    /// Accepts `k ≥ MIN_GROUP_SIZE_FLOOR`.
    pub fn new(k: u64) -> Result<Self, SuppressionError> {
        if k < MIN_GROUP_SIZE_FLOOR {
            Err(SuppressionError::MinimumTooSmall {
                requested: k,
                floor: MIN_GROUP_SIZE_FLOOR,
            })
        } else {
            Ok(Self(k))
        }
    }

    /// The threshold `k`.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl Default for MinGroupSize {
    fn default() -> Self {
        Self(DEFAULT_MIN_GROUP_SIZE)
    }
}

impl TryFrom<u64> for MinGroupSize {
    type Error = SuppressionError;

    fn try_from(k: u64) -> Result<Self, Self::Error> {
        Self::new(k)
    }
}

impl From<MinGroupSize> for u64 {
    fn from(k: MinGroupSize) -> u64 {
        k.0
    }
}

/// One additive relation of a table: `n[parent] = Σ n[children]` (and the
/// same for every other additive figure). Indices point into the cell list.
///
/// The children must be the *complete* partition of the parent, including
/// groups a report does not display (such as "sex: no answer"); otherwise a
/// hidden small group could be recomputed as parent minus the shown children.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Partition {
    /// Index of the total cell.
    pub parent: usize,
    /// Indices of the cells that partition it.
    pub children: Vec<usize>,
}

/// Why a cell is not shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SuppressionReason {
    /// Primary suppression: `0 < n < minimum`.
    BelowMinimum {
        /// The cell's group size.
        n: u64,
        /// The threshold `k` in force.
        minimum: u64,
    },
    /// Complementary (secondary) suppression: the cell itself is large
    /// enough, but showing it would let a reader recompute a suppressed cell.
    /// `partition_parent` is the parent cell of the relation that needs it:
    /// the first relation (in the caller's order) that would become unsafe
    /// if this cell were shown, or, for a cell that is only needed against a
    /// combination of several relations, the first relation containing it.
    Complementary {
        /// Index of that relation's parent cell (may be the cell itself when
        /// a total had to be hidden).
        partition_parent: usize,
    },
    /// `n = 0`: there is nothing to show. An empty group reveals nothing
    /// about any pupil, so it needs no protection; it is also treated as
    /// known (a reader can often infer the zero), so it never protects
    /// another cell.
    Empty,
}

/// Whether a cell's figures may be displayed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CellStatus {
    /// `n`, count and percentage may be displayed.
    Shown,
    /// Nothing about the cell may be displayed. Reports use one marker for
    /// every reason: the reason is for audits, because telling readers which
    /// hidden cells are the small ones narrows the possible values.
    Suppressed(SuppressionReason),
}

impl CellStatus {
    /// `true` for [`CellStatus::Shown`].
    pub fn is_shown(&self) -> bool {
        matches!(self, CellStatus::Shown)
    }

    /// `true` for [`CellStatus::Suppressed`], whatever the reason.
    pub fn is_suppressed(&self) -> bool {
        !self.is_shown()
    }
}

/// What is wrong with a [`Partition`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum PartitionProblem {
    /// An index points past the end of the cell list.
    #[error("cell index {index} is out of range for a table of {cells} cells")]
    IndexOutOfRange {
        /// The offending index.
        index: usize,
        /// The number of cells in the table.
        cells: usize,
    },
    /// A cell occurs twice (twice as a child, or as parent and child), which
    /// would count its pupils twice.
    #[error("cell {index} occurs more than once (as parent or child)")]
    RepeatedCell {
        /// The repeated index.
        index: usize,
    },
}

/// Errors of this module. All are caller errors: a table that cannot be
/// checked is refused rather than published unprotected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum SuppressionError {
    /// A minimum group size below [`MIN_GROUP_SIZE_FLOOR`] was requested.
    #[error(
        "minimum group size {requested} is below the floor of {floor}: groups that small \
         would expose individual pupils"
    )]
    MinimumTooSmall {
        /// The refused value.
        requested: u64,
        /// [`MIN_GROUP_SIZE_FLOOR`].
        floor: u64,
    },
    /// A relation refers to cells that do not exist or repeats a cell.
    #[error("partition {partition} is invalid: {problem}")]
    InvalidPartition {
        /// Index into the partition list.
        partition: usize,
        /// What is wrong.
        problem: PartitionProblem,
    },
    /// A relation's children do not add up to its parent. Protection relies
    /// on the relations being exact equations, so the table is refused.
    #[error(
        "partition {partition} is not additive: parent cell {parent} has n = {parent_n} but its \
         children sum to {children_n}; every child group must be listed, including groups a \
         report does not display (such as \"no answer\")"
    )]
    NotAdditive {
        /// Index into the partition list.
        partition: usize,
        /// The parent cell.
        parent: usize,
        /// The parent's `n`.
        parent_n: u64,
        /// The children's total (saturated at `u64::MAX`).
        children_n: u64,
    },
    /// The number of given statuses differs from the number of cells.
    #[error("{statuses} statuses were given for a table of {cells} cells")]
    StatusCountMismatch {
        /// The number of cells.
        cells: usize,
        /// The number of statuses given.
        statuses: usize,
    },
}

/// A way in which a suppression pattern discloses something, as found by
/// [`disclosure_risks`]. The same cell may be reported under several kinds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Disclosure {
    /// A shown cell has `0 < n < k`.
    ShownBelowMinimum {
        /// The cell.
        cell: usize,
        /// Its `n`.
        n: u64,
    },
    /// The relation has exactly one hidden non-empty cell, so that cell is
    /// the parent minus the shown children (or the sum of the children).
    SingleSuppressedInRelation {
        /// Index into the partition list.
        partition: usize,
        /// The recomputable cell.
        cell: usize,
    },
    /// The hidden children of a shown parent together contain fewer than `k`
    /// pupils: parent minus shown children gives the figures of that
    /// combined small group.
    SmallSuppressedUnion {
        /// Index into the partition list.
        partition: usize,
        /// The combined `n` of the hidden children.
        n: u64,
    },
    /// The cell's value follows from combining several relations (a linear
    /// combination of the relations contains no other hidden cell).
    JointlyRecomputable {
        /// The recomputable cell.
        cell: usize,
        /// The shown cells its value is computed from.
        from: Vec<usize>,
    },
}

/// Computes the suppression pattern of a table: primary suppression of
/// groups with `0 < n < k`, then complementary suppression until no
/// suppressed cell can be recomputed (see the module docs and
/// `docs/statistics.md`). Returns one status per cell.
///
/// Deterministic: the same table always gives the same pattern.
pub fn suppress(
    cells_n: &[u64],
    partitions: &[Partition],
    k: MinGroupSize,
) -> Result<Vec<CellStatus>, SuppressionError> {
    suppress_from(
        cells_n,
        partitions,
        k,
        &vec![CellStatus::Shown; cells_n.len()],
    )
}

/// Like [`suppress`], but starting from `given` statuses: every non-empty
/// cell given as suppressed stays suppressed, and the pattern is completed
/// around it. Use it to impose extra suppressions, or to give all scales of
/// a report one pattern (pass the union of the per-scale patterns and repeat
/// until it no longer grows; see `docs/statistics.md`).
/// `suppress_from(n, p, k, &suppress(n, p, k)?)` returns the pattern
/// unchanged.
///
/// Reasons: cells with `n = 0` always come out as `Suppressed(Empty)`, cells
/// with `0 < n < k` as `BelowMinimum` with their own `n`; other given reasons
/// are kept verbatim (in a merged pattern they may come from another
/// table). A given `Suppressed(Empty)` on a non-empty cell imposes nothing.
pub fn suppress_from(
    cells_n: &[u64],
    partitions: &[Partition],
    k: MinGroupSize,
    given: &[CellStatus],
) -> Result<Vec<CellStatus>, SuppressionError> {
    let table = Table::new(cells_n, partitions, k)?;
    if given.len() != cells_n.len() {
        return Err(SuppressionError::StatusCountMismatch {
            cells: cells_n.len(),
            statuses: given.len(),
        });
    }

    // Primary suppression always applies (with this table's n); other given
    // suppressions are kept as they are. A given `Empty` imposes nothing: in
    // a merged pattern it only says the cell was empty in another table.
    let mut status: Vec<CellStatus> = cells_n
        .iter()
        .zip(given)
        .map(|(&n, given)| match (n, given) {
            (0, _) => CellStatus::Suppressed(SuppressionReason::Empty),
            (n, _) if n < table.k => CellStatus::Suppressed(SuppressionReason::BelowMinimum {
                n,
                minimum: table.k,
            }),
            (_, CellStatus::Suppressed(SuppressionReason::Empty)) | (_, CellStatus::Shown) => {
                CellStatus::Shown
            }
            (_, CellStatus::Suppressed(reason)) => CellStatus::Suppressed(*reason),
        })
        .collect();

    // Cells suppressed here (not given, not primary): the only ones that may
    // be shown again by the pruning step and whose reason is recomputed.
    let mut added = vec![false; cells_n.len()];
    // The reason is a placeholder until `assign_reasons` sets the real one.
    let complementary = CellStatus::Suppressed(SuppressionReason::Complementary {
        partition_parent: 0,
    });

    loop {
        table.relation_fixpoint(&mut status, &mut added);
        let Some(exposed) = table.analyse(&status).determined.into_iter().next() else {
            break;
        };
        // Hide the smallest of the shown cells the attack uses; fall back to
        // the smallest shown cell in any relation so that every round makes
        // progress (with additive data the witness list is never empty:
        // a determined non-empty cell needs at least one shown value).
        let pick = table
            .smallest_shown(exposed.from.iter().copied(), &status)
            .or_else(|| table.smallest_shown(table.cells_in_relations(), &status));
        let Some(pick) = pick else { break };
        status[pick] = complementary;
        added[pick] = true;
    }

    table.prune(&mut status, &mut added);
    table.assign_reasons(&mut status, &added);
    Ok(status)
}

/// Checks a suppression pattern and lists every disclosure found: shown
/// small cells, relations with a single hidden non-empty cell, hidden
/// children of a shown parent with fewer than `k` pupils together, and cells
/// recomputable by combining relations. An empty list means the pattern
/// meets every guarantee [`suppress`] gives. Renderers can call this as a
/// last check before publishing.
pub fn disclosure_risks(
    cells_n: &[u64],
    partitions: &[Partition],
    k: MinGroupSize,
    statuses: &[CellStatus],
) -> Result<Vec<Disclosure>, SuppressionError> {
    let table = Table::new(cells_n, partitions, k)?;
    if statuses.len() != cells_n.len() {
        return Err(SuppressionError::StatusCountMismatch {
            cells: cells_n.len(),
            statuses: statuses.len(),
        });
    }
    let mut risks = Vec::new();
    for (cell, (&n, status)) in cells_n.iter().zip(statuses).enumerate() {
        if status.is_shown() && n > 0 && n < table.k {
            risks.push(Disclosure::ShownBelowMinimum { cell, n });
        }
    }
    for (index, partition) in partitions.iter().enumerate() {
        let view = table.view(partition, statuses);
        let parent_hidden = table.is_hidden(partition.parent, statuses);
        let parent_shown = statuses[partition.parent].is_shown();
        let hidden_total = view.hidden_children + usize::from(parent_hidden);
        if hidden_total == 1 {
            let cell = if parent_hidden {
                partition.parent
            } else {
                view.single_hidden_child.unwrap_or(partition.parent)
            };
            risks.push(Disclosure::SingleSuppressedInRelation {
                partition: index,
                cell,
            });
        }
        if parent_shown && view.hidden_children >= 2 && view.hidden_n < u128::from(table.k) {
            risks.push(Disclosure::SmallSuppressedUnion {
                partition: index,
                // hidden_n < k ≤ u64::MAX here.
                n: u64::try_from(view.hidden_n).unwrap_or(u64::MAX),
            });
        }
    }
    risks.extend(
        table
            .analyse(statuses)
            .determined
            .into_iter()
            .map(|exposed| Disclosure::JointlyRecomputable {
                cell: exposed.cell,
                from: exposed.from,
            }),
    );
    Ok(risks)
}

/// One key of a cube: one coordinate per dimension, `None` meaning "all"
/// (the margin over that dimension). For a Quartier report the dimensions are
/// district × school × grade × sex, and the coordinates are codes the caller
/// chooses (e.g. sex 0 = female, 1 = male, 2 = diverse, 3 = no answer).
///
/// Each group must occur under exactly one key. For nested dimensions (a
/// school lies in one district), key a school cell with its district and
/// leave out keys like "district: all, school: S", which would be a second,
/// unrelated copy of the same group.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CubeKey(pub Vec<Option<u64>>);

/// The additive relations of a cube: for every key and every dimension in
/// which the key is a total (`None`), the partition whose parent is that key
/// and whose children are all keys equal to it except for a `Some` in that
/// dimension. Dimensions with no child keys give no relation (the table does
/// not break that total down). Relations are listed by key, then by
/// dimension; children in key order.
///
/// A key listed more than once is one group shown twice: each later copy
/// gets an identity relation (parent = first copy, children = the copy), so
/// the copies are shown or hidden together, and only the first copy is a
/// child elsewhere. Other malformed key lists (keys of different lengths,
/// missing child groups) are not detected here; [`suppress`] refuses the
/// resulting relations because they are not additive.
pub fn partitions_of_cube(keys: &[CubeKey]) -> Vec<Partition> {
    let mut first_copy: BTreeMap<&CubeKey, usize> = BTreeMap::new();
    let mut identities = Vec::new();
    for (index, key) in keys.iter().enumerate() {
        match first_copy.get(key) {
            Some(&first) => identities.push(Partition {
                parent: first,
                children: vec![index],
            }),
            None => {
                first_copy.insert(key, index);
            }
        }
    }
    // (parent coordinates, dimension) → child key indices, in key order.
    let mut children: BTreeMap<(Vec<Option<u64>>, usize), Vec<usize>> = BTreeMap::new();
    for (index, key) in keys.iter().enumerate() {
        if first_copy.get(key) != Some(&index) {
            continue;
        }
        for (dim, coordinate) in key.0.iter().enumerate() {
            if coordinate.is_some() {
                let mut parent = key.0.clone();
                parent[dim] = None;
                children.entry((parent, dim)).or_default().push(index);
            }
        }
    }
    let mut partitions = Vec::new();
    for (index, key) in keys.iter().enumerate() {
        for (dim, coordinate) in key.0.iter().enumerate() {
            if coordinate.is_none()
                && let Some(found) = children.get(&(key.0.clone(), dim))
            {
                partitions.push(Partition {
                    parent: index,
                    children: found.clone(),
                });
            }
        }
    }
    partitions.extend(identities);
    partitions
}

/// A validated table: `n` per cell, relations, `k`, and for every cell the
/// relations it occurs in (so a change re-checks only those).
struct Table<'a> {
    n: &'a [u64],
    partitions: &'a [Partition],
    k: u64,
    member_of: Vec<Vec<usize>>,
}

/// Counts over the children of one relation under a given pattern.
struct RelationView {
    /// Hidden non-empty children.
    hidden_children: usize,
    /// Their total `n`.
    hidden_n: u128,
    /// The hidden child if there is exactly one.
    single_hidden_child: Option<usize>,
    /// The shown non-empty child with the smallest `n` (ties: lowest index).
    smallest_shown_child: Option<usize>,
}

/// A hidden cell that the relations determine, and the shown cells used.
struct Exposed {
    cell: usize,
    from: Vec<usize>,
}

/// The result of solving the relations for the hidden cells.
struct Analysis {
    /// Hidden cells whose value the relations fix.
    determined: Vec<Exposed>,
    /// How the other hidden cells vary.
    couplings: Couplings,
}

/// The direction `v(x)` in which each undetermined hidden cell varies with
/// the free unknowns, scaled so that its first entry is 1 (see `analyse`),
/// and how many cells share each direction.
#[derive(Default)]
struct Couplings {
    direction: BTreeMap<usize, Row>,
    sharing: BTreeMap<Row, usize>,
}

impl Couplings {
    /// Records a cell's direction; `false` if it is zero (the cell is
    /// determined).
    fn insert(&mut self, cell: usize, direction: Row) -> bool {
        let Some(&(_, first)) = direction.first() else {
            return false;
        };
        let scale = inv(first);
        let direction: Row = direction
            .into_iter()
            .map(|(c, v)| (c, mul(v, scale)))
            .collect();
        *self.sharing.entry(direction.clone()).or_default() += 1;
        self.direction.insert(cell, direction);
        true
    }

    fn remove(&mut self, cell: usize) -> Option<Row> {
        let direction = self.direction.remove(&cell)?;
        if let Some(count) = self.sharing.get_mut(&direction) {
            *count -= 1;
            if *count == 0 {
                self.sharing.remove(&direction);
            }
        }
        Some(direction)
    }

    /// Showing the cell would determine another hidden cell.
    fn is_coupled(&self, cell: usize) -> bool {
        self.direction
            .get(&cell)
            .is_some_and(|direction| self.sharing.get(direction).is_some_and(|&n| n > 1))
    }

    /// Updates the directions for `cell` becoming known: its value fixes
    /// `v(cell)·t`, which eliminates the free unknown `t_j` at its first
    /// entry (coefficient 1) from every other direction. `false` if some
    /// other cell became determined.
    fn show(&mut self, cell: usize) -> bool {
        let Some(shown) = self.remove(cell) else {
            return true;
        };
        let Some(&(pivot, _)) = shown.first() else {
            return true;
        };
        let affected: Vec<usize> = self
            .direction
            .iter()
            .filter(|(_, d)| d.binary_search_by_key(&pivot, |&(c, _)| c).is_ok())
            .map(|(&c, _)| c)
            .collect();
        let mut all_undetermined = true;
        for other in affected {
            let Some(direction) = self.remove(other) else {
                continue;
            };
            let factor = direction
                .binary_search_by_key(&pivot, |&(c, _)| c)
                .map_or(0, |at| direction[at].1);
            all_undetermined &= self.insert(other, sub_multiple(&direction, factor, &shown));
        }
        all_undetermined
    }
}

impl<'a> Table<'a> {
    fn new(
        n: &'a [u64],
        partitions: &'a [Partition],
        k: MinGroupSize,
    ) -> Result<Self, SuppressionError> {
        let mut member_of = vec![Vec::new(); n.len()];
        // Last partition that touched a cell, to find repeats in O(size).
        let mut seen_in: Vec<Option<usize>> = vec![None; n.len()];
        for (index, partition) in partitions.iter().enumerate() {
            let invalid = |problem| SuppressionError::InvalidPartition {
                partition: index,
                problem,
            };
            let mut children_n: u128 = 0;
            for (position, &cell) in std::iter::once(&partition.parent)
                .chain(&partition.children)
                .enumerate()
            {
                let Some(&cell_n) = n.get(cell) else {
                    return Err(invalid(PartitionProblem::IndexOutOfRange {
                        index: cell,
                        cells: n.len(),
                    }));
                };
                if seen_in[cell] == Some(index) {
                    return Err(invalid(PartitionProblem::RepeatedCell { index: cell }));
                }
                seen_in[cell] = Some(index);
                member_of[cell].push(index);
                if position > 0 {
                    children_n += u128::from(cell_n);
                }
            }
            let parent_n = n[partition.parent];
            if u128::from(parent_n) != children_n {
                return Err(SuppressionError::NotAdditive {
                    partition: index,
                    parent: partition.parent,
                    parent_n,
                    children_n: u64::try_from(children_n).unwrap_or(u64::MAX),
                });
            }
        }
        Ok(Self {
            n,
            partitions,
            k: k.get(),
            member_of,
        })
    }

    /// A hidden cell is one whose value a reader does not know: suppressed
    /// and non-empty. Empty cells count as known (zero).
    fn is_hidden(&self, cell: usize, status: &[CellStatus]) -> bool {
        self.n[cell] > 0 && status[cell].is_suppressed()
    }

    fn is_shown_nonempty(&self, cell: usize, status: &[CellStatus]) -> bool {
        self.n[cell] > 0 && status[cell].is_shown()
    }

    /// The shown non-empty cell with the smallest `n` (ties: lowest index):
    /// hiding it loses the least information.
    fn smallest_shown(
        &self,
        cells: impl Iterator<Item = usize>,
        status: &[CellStatus],
    ) -> Option<usize> {
        cells
            .filter(|&cell| self.is_shown_nonempty(cell, status))
            .min_by_key(|&cell| (self.n[cell], cell))
    }

    fn cells_in_relations(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.n.len()).filter(|&cell| !self.member_of[cell].is_empty())
    }

    fn view(&self, partition: &Partition, status: &[CellStatus]) -> RelationView {
        let mut view = RelationView {
            hidden_children: 0,
            hidden_n: 0,
            single_hidden_child: None,
            smallest_shown_child: None,
        };
        for &child in &partition.children {
            if self.is_hidden(child, status) {
                view.hidden_children += 1;
                view.hidden_n += u128::from(self.n[child]);
                view.single_hidden_child = Some(child);
            }
        }
        if view.hidden_children != 1 {
            view.single_hidden_child = None;
        }
        view.smallest_shown_child = self.smallest_shown(partition.children.iter().copied(), status);
        view
    }

    /// The per-relation rule. With a shown parent, the hidden non-empty
    /// children must be none, or at least two holding at least `k` pupils
    /// together (one alone is parent minus the rest; a smaller union is a
    /// shown figure for a small group). With a hidden parent, at least one
    /// non-empty child must be hidden too (otherwise the parent is the sum
    /// of its children). Returns the cell to hide: the smallest shown child,
    /// or the parent if no child is left; `None` if the relation is safe.
    fn relation_fix(&self, index: usize, status: &[CellStatus]) -> Option<usize> {
        let partition = &self.partitions[index];
        let view = self.view(partition, status);
        if status[partition.parent].is_shown() {
            let safe = view.hidden_children == 0
                || (view.hidden_children >= 2 && view.hidden_n >= u128::from(self.k));
            if safe {
                None
            } else {
                Some(view.smallest_shown_child.unwrap_or(partition.parent))
            }
        } else if self.n[partition.parent] > 0 && view.hidden_children == 0 {
            // With additive data a non-empty parent has a non-empty child,
            // which is shown here; `None` only for inconsistent input.
            view.smallest_shown_child
        } else {
            None
        }
    }

    /// Applies the per-relation rule to every relation until none needs a
    /// fix. Each fix hides one more shown cell, so this ends after at most
    /// one fix per cell.
    fn relation_fixpoint(&self, status: &mut [CellStatus], added: &mut [bool]) {
        let mut queue: VecDeque<usize> = (0..self.partitions.len()).collect();
        let mut queued = vec![true; self.partitions.len()];
        while let Some(index) = queue.pop_front() {
            queued[index] = false;
            let Some(cell) = self.relation_fix(index, status) else {
                continue;
            };
            status[cell] = CellStatus::Suppressed(SuppressionReason::Complementary {
                partition_parent: self.partitions[index].parent,
            });
            added[cell] = true;
            // The changed cell can break any relation it is in (including
            // this one, if its union is still below k).
            for &other in &self.member_of[cell] {
                if !queued[other] {
                    queued[other] = true;
                    queue.push_back(other);
                }
            }
        }
    }

    /// Solves the relations for the hidden cells, by exact Gaussian
    /// elimination over the prime field GF(2⁶¹ − 1) (see `docs/statistics.md`
    /// for why this field).
    ///
    /// Each relation is a row `parent − Σ children = 0`. Hidden cells are the
    /// unknowns; shown cells are carried along as constants; empty cells are
    /// zero and dropped. In the reduced row echelon form, a hidden cell is
    /// determined exactly when its pivot row contains no other unknown; the
    /// row's shown cells are the ones its value is computed from.
    ///
    /// The free unknowns span the solutions: a hidden cell `x` varies with
    /// them by a vector `v(x)` (1 at its own column if free, minus its pivot
    /// row's free entries if not). Showing a hidden cell `c` fixes `v(c)·t`,
    /// which determines another cell `x` exactly when `v(x)` is a multiple of
    /// `v(c)`. Cells are therefore grouped by `v` up to scaling; `c` can be
    /// shown without exposing any other cell iff it is alone in its group.
    fn analyse(&self, status: &[CellStatus]) -> Analysis {
        let hidden: Vec<bool> = (0..self.n.len())
            .map(|c| self.is_hidden(c, status))
            .collect();
        // pivots[c] = index into `rows` of the row whose leading unknown is c.
        let mut pivots: BTreeMap<usize, usize> = BTreeMap::new();
        let mut rows: Vec<Row> = Vec::new();
        for partition in self.partitions {
            let cells = std::iter::once(partition.parent).chain(partition.children.iter().copied());
            if !cells.clone().any(|c| hidden[c]) {
                continue;
            }
            let mut row: Row = cells
                .filter(|&c| self.n[c] > 0)
                .map(|c| (c, if c == partition.parent { 1 } else { P - 1 }))
                .collect();
            row.sort_unstable_by_key(|&(c, _)| c);
            // Reduce by the existing pivots until the leading unknown is new.
            // A pivot row's unknowns are all ≥ its pivot, so each step moves
            // the leading unknown right.
            while let Some(&(lead, value)) = row.iter().find(|&&(c, _)| hidden[c]) {
                match pivots.get(&lead) {
                    Some(&pivot_row) => {
                        row = sub_multiple(&row, value, &rows[pivot_row]);
                    }
                    None => {
                        let inverse = inv(value);
                        for entry in &mut row {
                            entry.1 = mul(entry.1, inverse);
                        }
                        pivots.insert(lead, rows.len());
                        rows.push(row);
                        break;
                    }
                }
            }
        }
        // Back substitution: clear each pivot column from the other rows,
        // from the last pivot to the first. Only rows with an earlier pivot
        // can hold column c.
        let order: Vec<(usize, usize)> = pivots.iter().map(|(&c, &r)| (c, r)).collect();
        for (position, &(column, pivot_row)) in order.iter().enumerate().rev() {
            for &(_, other) in &order[..position] {
                if let Ok(at) = rows[other].binary_search_by_key(&column, |&(c, _)| c) {
                    let factor = rows[other][at].1;
                    rows[other] = sub_multiple(&rows[other], factor, &rows[pivot_row]);
                }
            }
        }

        let mut determined = Vec::new();
        let mut couplings = Couplings::default();
        for cell in (0..self.n.len()).filter(|&c| hidden[c]) {
            let direction: Row = match pivots.get(&cell) {
                None => vec![(cell, 1)],
                Some(&row) => rows[row]
                    .iter()
                    .filter(|&&(c, _)| hidden[c] && c != cell)
                    .map(|&(c, value)| (c, P - value))
                    .collect(),
            };
            if !couplings.insert(cell, direction) {
                let from = pivots
                    .get(&cell)
                    .map(|&row| rows[row].iter().map(|&(c, _)| c).filter(|&c| !hidden[c]))
                    .into_iter()
                    .flatten()
                    .collect();
                determined.push(Exposed { cell, from });
            }
        }
        Analysis {
            determined,
            couplings,
        }
    }

    /// `true` if all the given relations pass the per-relation rule.
    fn relations_safe(&self, cells: &[usize], status: &[CellStatus]) -> bool {
        cells
            .iter()
            .all(|&index| self.relation_fix(index, status).is_none())
    }

    /// Shows again every added cell that is not needed, largest `n` first
    /// (the most informative figures are restored first), one at a time
    /// until none can be shown. The greedy steps above can hide a cell that
    /// a later step made unnecessary; this removes such cells. At the end
    /// every added cell is needed: showing it alone would break a relation
    /// or make a hidden cell recomputable.
    ///
    /// Expects a pattern in which no hidden cell is determined, and keeps it
    /// so: a cell is shown only if it is not coupled to another hidden cell
    /// (see `analyse`), which costs one elimination per cell shown rather
    /// than one per cell tried.
    fn prune(&self, status: &mut [CellStatus], added: &mut [bool]) {
        let mut candidates: Vec<usize> = (0..self.n.len()).filter(|&c| added[c]).collect();
        candidates.sort_unstable_by_key(|&c| (std::cmp::Reverse(self.n[c]), c));
        let mut couplings = self.analyse(status).couplings;
        loop {
            let mut shown = None;
            for (position, &cell) in candidates.iter().enumerate() {
                if couplings.is_coupled(cell) {
                    continue;
                }
                let previous = status[cell];
                status[cell] = CellStatus::Shown;
                if self.relations_safe(&self.member_of[cell], status) {
                    shown = Some(position);
                    break;
                }
                status[cell] = previous;
            }
            let Some(position) = shown else { break };
            let cell = candidates.remove(position);
            added[cell] = false;
            if !couplings.show(cell) {
                // Cannot happen for an uncoupled cell; if it did, the
                // incremental state would be wrong, so start afresh.
                couplings = self.analyse(status).couplings;
            }
        }
    }

    /// Sets the reason of every added cell from the final pattern (see
    /// [`SuppressionReason::Complementary`]).
    fn assign_reasons(&self, status: &mut [CellStatus], added: &[bool]) {
        for cell in (0..self.n.len()).filter(|&c| added[c]) {
            let previous = status[cell];
            status[cell] = CellStatus::Shown;
            let relations = &self.member_of[cell];
            let needing = relations
                .iter()
                .find(|&&index| self.relation_fix(index, status).is_some())
                .or_else(|| relations.first());
            status[cell] = match needing {
                Some(&index) => CellStatus::Suppressed(SuppressionReason::Complementary {
                    partition_parent: self.partitions[index].parent,
                }),
                // Unreachable (added cells are in some relation); keep the
                // cell hidden in any case.
                None => previous,
            };
        }
    }
}

/// A sparse row: `(cell, coefficient)` sorted by cell, no zero coefficients.
type Row = Vec<(usize, u64)>;

/// The Mersenne prime 2⁶¹ − 1. Arithmetic modulo a prime is exact (no
/// rounding, no overflow); see `analyse`.
const P: u64 = (1 << 61) - 1;

fn mul(a: u64, b: u64) -> u64 {
    // Both factors are below 2⁶¹, so the product fits in u128 and the
    // remainder in u64.
    u64::try_from((u128::from(a) * u128::from(b)) % u128::from(P)).unwrap_or(0)
}

/// Multiplicative inverse by Fermat's little theorem (`a ≠ 0`).
fn inv(a: u64) -> u64 {
    let (mut base, mut exponent, mut result) = (a, P - 2, 1);
    while exponent > 0 {
        if exponent & 1 == 1 {
            result = mul(result, base);
        }
        base = mul(base, base);
        exponent >>= 1;
    }
    result
}

/// `row − factor · other`, merged by cell, dropping zeros.
fn sub_multiple(row: &[(usize, u64)], factor: u64, other: &[(usize, u64)]) -> Row {
    let mut out = Vec::with_capacity(row.len() + other.len());
    let (mut i, mut j) = (0, 0);
    while i < row.len() || j < other.len() {
        let take_row = j >= other.len() || (i < row.len() && row[i].0 < other[j].0);
        let take_other = i >= row.len() || (j < other.len() && other[j].0 < row[i].0);
        let (cell, value) = if take_row {
            i += 1;
            row[i - 1]
        } else if take_other {
            j += 1;
            (other[j - 1].0, (P - mul(factor, other[j - 1].1)) % P)
        } else {
            i += 1;
            j += 1;
            let minus = mul(factor, other[j - 1].1);
            (row[i - 1].0, (row[i - 1].1 + P - minus) % P)
        };
        if value != 0 {
            out.push((cell, value));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn k(value: u64) -> MinGroupSize {
        MinGroupSize::new(value).unwrap()
    }

    fn below(n: u64) -> CellStatus {
        CellStatus::Suppressed(SuppressionReason::BelowMinimum { n, minimum: 15 })
    }

    fn complementary(partition_parent: usize) -> CellStatus {
        CellStatus::Suppressed(SuppressionReason::Complementary { partition_parent })
    }

    const EMPTY: CellStatus = CellStatus::Suppressed(SuppressionReason::Empty);
    const SHOWN: CellStatus = CellStatus::Shown;

    /// A one-relation table: cell 0 is the total of all other cells.
    fn row(children: &[u64]) -> (Vec<u64>, Vec<Partition>) {
        let mut cells = vec![children.iter().sum()];
        cells.extend_from_slice(children);
        let partition = Partition {
            parent: 0,
            children: (1..cells.len()).collect(),
        };
        (cells, vec![partition])
    }

    /// A full cube with all margins from its inner cells (row-major over
    /// `sizes`): keys with every coordinate `Some(0..size)` or `None`.
    fn cube(sizes: &[usize], inner: &[u64]) -> (Vec<CubeKey>, Vec<u64>) {
        let mut keys = vec![Vec::new()];
        for &size in sizes {
            keys = keys
                .into_iter()
                .flat_map(|prefix: Vec<Option<u64>>| {
                    (0..size as u64).map(Some).chain([None]).map(move |c| {
                        let mut key = prefix.clone();
                        key.push(c);
                        key
                    })
                })
                .collect();
        }
        let mut inner_coordinates = vec![Vec::new()];
        for &size in sizes {
            inner_coordinates = inner_coordinates
                .into_iter()
                .flat_map(|prefix: Vec<u64>| {
                    (0..size as u64).map(move |c| {
                        let mut key = prefix.clone();
                        key.push(c);
                        key
                    })
                })
                .collect();
        }
        let n = keys
            .iter()
            .map(|key| {
                inner_coordinates
                    .iter()
                    .zip(inner)
                    .filter(|(coordinates, _)| {
                        key.iter()
                            .zip(coordinates.iter())
                            .all(|(k, c)| k.is_none_or(|k| k == *c))
                    })
                    .map(|(_, n)| n)
                    .sum()
            })
            .collect();
        (keys.into_iter().map(CubeKey).collect(), n)
    }

    fn index_of(keys: &[CubeKey], key: &[Option<u64>]) -> usize {
        keys.iter().position(|k| k.0 == key).unwrap()
    }

    // ---- MinGroupSize -------------------------------------------------

    #[test]
    fn minimum_below_the_floor_is_refused() {
        assert_eq!(
            MinGroupSize::new(9),
            Err(SuppressionError::MinimumTooSmall {
                requested: 9,
                floor: 10
            })
        );
        assert!(
            MinGroupSize::new(0)
                .unwrap_err()
                .to_string()
                .contains("floor of 10")
        );
        assert_eq!(MinGroupSize::new(10).map(MinGroupSize::get), Ok(10));
        assert_eq!(MinGroupSize::default().get(), DEFAULT_MIN_GROUP_SIZE);
        assert_eq!(MinGroupSize::try_from(25).map(u64::from), Ok(25));
    }

    #[test]
    fn deserialising_a_minimum_enforces_the_floor() {
        assert!(serde_json::from_str::<MinGroupSize>("9").is_err());
        assert_eq!(serde_json::from_str::<MinGroupSize>("12").unwrap(), k(12));
        assert_eq!(serde_json::to_string(&k(12)).unwrap(), "12");
    }

    // ---- primary and per-relation rule ----------------------------------

    #[test]
    fn large_cells_are_all_shown() {
        let (cells, partitions) = row(&[20, 30, 15, 45]);
        assert_eq!(
            suppress(&cells, &partitions, k(15)).unwrap(),
            vec![SHOWN; 5]
        );
    }

    #[test]
    fn a_single_small_cell_gets_the_smallest_shown_sibling_as_partner() {
        let (cells, partitions) = row(&[5, 30, 20, 45]);
        assert_eq!(
            suppress(&cells, &partitions, k(15)).unwrap(),
            vec![SHOWN, below(5), SHOWN, complementary(0), SHOWN]
        );
    }

    #[test]
    fn partner_ties_go_to_the_lowest_index() {
        let (cells, partitions) = row(&[5, 55, 20, 20]);
        assert_eq!(
            suppress(&cells, &partitions, k(15)).unwrap(),
            vec![SHOWN, below(5), SHOWN, complementary(0), SHOWN]
        );
    }

    #[test]
    fn two_small_cells_with_at_least_k_together_protect_each_other() {
        let (cells, partitions) = row(&[7, 50, 8, 60]);
        assert_eq!(
            suppress(&cells, &partitions, k(15)).unwrap(),
            vec![SHOWN, below(7), SHOWN, below(8), SHOWN]
        );
    }

    #[test]
    fn small_cells_with_fewer_than_k_together_get_a_partner() {
        // 3 + 4 = 7 pupils: parent minus the shown children would give the
        // figures of a 7-pupil group.
        let (cells, partitions) = row(&[3, 60, 4, 50]);
        assert_eq!(
            suppress(&cells, &partitions, k(15)).unwrap(),
            vec![SHOWN, below(3), SHOWN, below(4), complementary(0)]
        );
    }

    #[test]
    fn empty_cells_need_no_protection_and_protect_nothing() {
        let (cells, partitions) = row(&[0, 20, 30]);
        assert_eq!(
            suppress(&cells, &partitions, k(15)).unwrap(),
            vec![SHOWN, EMPTY, SHOWN, SHOWN]
        );
        // The empty sibling is not a partner: 5 = 45 − 40 − 0 otherwise.
        let (cells, partitions) = row(&[0, 5, 40]);
        assert_eq!(
            suppress(&cells, &partitions, k(15)).unwrap(),
            vec![SHOWN, EMPTY, below(5), complementary(0)]
        );
    }

    #[test]
    fn a_lone_hidden_child_hides_its_parent() {
        // The parent equals its only non-empty child.
        let cells = [20, 20, 0];
        let partitions = [Partition {
            parent: 0,
            children: vec![1, 2],
        }];
        let given = [SHOWN, complementary(7), SHOWN];
        assert_eq!(
            suppress_from(&cells, &partitions, k(15), &given).unwrap(),
            vec![complementary(0), complementary(7), EMPTY]
        );
    }

    #[test]
    fn a_hidden_parent_needs_a_hidden_child() {
        // Otherwise the parent is the sum of its shown children.
        let (cells, partitions) = row(&[40, 20, 30]);
        let given = [complementary(9), SHOWN, SHOWN, SHOWN];
        assert_eq!(
            suppress_from(&cells, &partitions, k(15), &given).unwrap(),
            vec![complementary(9), SHOWN, complementary(0), SHOWN]
        );
    }

    #[test]
    fn lone_child_in_a_cube_hides_the_total_too() {
        // Grade 7 has only girls, so grade 7 total = grade 7 girls.
        let (keys, cells) = cube(&[2, 2], &[20, 0, 3, 30]);
        let partitions = partitions_of_cube(&keys);
        let status = suppress(&cells, &partitions, k(15)).unwrap();
        let at = |key: &[Option<u64>]| status[index_of(&keys, key)];
        assert_eq!(at(&[Some(1), Some(0)]), below(3));
        assert_eq!(at(&[Some(0), Some(1)]), EMPTY);
        assert!(at(&[Some(0), Some(0)]).is_suppressed());
        assert!(at(&[Some(0), None]).is_suppressed());
        assert!(at(&[None, None]).is_shown());
        assert_eq!(
            disclosure_risks(&cells, &partitions, k(15), &status).unwrap(),
            vec![]
        );
    }

    #[test]
    fn complementary_suppression_propagates_across_dimensions() {
        // 2 × 3 table with margins. The row partner of the small cell leaves a
        // single hidden cell in its column, which needs a partner in turn:
        // the result is the classic rectangle.
        //        c0  c1  c2
        //   r0    5  20  30
        //   r1   40  16  50
        let (keys, cells) = cube(&[2, 3], &[5, 20, 30, 40, 16, 50]);
        let partitions = partitions_of_cube(&keys);
        let status = suppress(&cells, &partitions, k(15)).unwrap();
        let cell = |r: u64, c: u64| index_of(&keys, &[Some(r), Some(c)]);
        let row_total = |r: u64| index_of(&keys, &[Some(r), None]);
        for (index, status) in status.iter().enumerate() {
            let expected = if index == cell(0, 0) {
                below(5)
            } else if index == cell(0, 1) {
                complementary(row_total(0))
            } else if index == cell(1, 0) || index == cell(1, 1) {
                // Both are needed by row 1 as well as by their column; the
                // reason names the first relation, row 1.
                complementary(row_total(1))
            } else {
                SHOWN
            };
            assert_eq!(*status, expected, "cell {:?}", keys[index]);
        }
    }

    #[test]
    fn a_cell_recomputable_only_by_combining_relations_is_protected() {
        // 4 × 4 table. Hidden: two rectangles, {r0,r1}×{c0,c1} and
        // {r2,r3}×{c2,c3}, and the small cell (r1,c2) linking them. Every row
        // and column has 0 or ≥ 2 hidden cells, yet
        // (r1,c2) = row1 − (col0 + col1 − row0) − shown cells of row 1.
        let mut inner = vec![20; 16];
        inner[4 + 2] = 3;
        let (keys, cells) = cube(&[4, 4], &inner);
        let partitions = partitions_of_cube(&keys);
        let cell = |r: u64, c: u64| index_of(&keys, &[Some(r), Some(c)]);
        let small = cell(1, 2);
        let mut given = vec![SHOWN; cells.len()];
        for (r, c) in [
            (0, 0),
            (0, 1),
            (1, 0),
            (1, 1),
            (2, 2),
            (2, 3),
            (3, 2),
            (3, 3),
        ] {
            given[cell(r, c)] = complementary(0);
        }
        given[small] = below(3);

        let risks = disclosure_risks(&cells, &partitions, k(15), &given).unwrap();
        assert_eq!(risks.len(), 1, "{risks:?}");
        let Disclosure::JointlyRecomputable {
            cell: exposed,
            from,
        } = &risks[0]
        else {
            panic!("unexpected {risks:?}");
        };
        assert_eq!(*exposed, small);
        // The attack computes it from shown cells only (which ones depends on
        // the elimination order; e.g. the row 0 and 1 and column 0 and 1
        // totals and the shown cells of rows 0 and 1).
        assert!(!from.is_empty());
        assert!(from.iter().all(|&c| given[c].is_shown()), "{from:?}");

        let status = suppress_from(&cells, &partitions, k(15), &given).unwrap();
        assert_eq!(
            disclosure_risks(&cells, &partitions, k(15), &status).unwrap(),
            vec![]
        );
        for (index, given) in given.iter().enumerate() {
            if given.is_suppressed() {
                assert_eq!(status[index], *given);
            }
        }
    }

    #[test]
    fn a_shown_pattern_is_audited() {
        let (cells, partitions) = row(&[3, 60, 4, 50]);
        let all_shown = vec![SHOWN; cells.len()];
        assert_eq!(
            disclosure_risks(&cells, &partitions, k(15), &all_shown).unwrap(),
            vec![
                Disclosure::ShownBelowMinimum { cell: 1, n: 3 },
                Disclosure::ShownBelowMinimum { cell: 3, n: 4 },
            ]
        );
        let mut pattern = all_shown.clone();
        pattern[1] = below(3);
        assert_eq!(
            disclosure_risks(&cells, &partitions, k(15), &pattern).unwrap(),
            vec![
                Disclosure::ShownBelowMinimum { cell: 3, n: 4 },
                Disclosure::SingleSuppressedInRelation {
                    partition: 0,
                    cell: 1
                },
                Disclosure::JointlyRecomputable {
                    cell: 1,
                    from: vec![0, 2, 3, 4]
                },
            ]
        );
        pattern[3] = below(4);
        assert_eq!(
            disclosure_risks(&cells, &partitions, k(15), &pattern).unwrap(),
            vec![Disclosure::SmallSuppressedUnion { partition: 0, n: 7 }]
        );
    }

    // ---- invalid input --------------------------------------------------

    #[test]
    fn invalid_partitions_are_refused() {
        let cells = [30, 10, 20];
        let bad = |children: Vec<usize>, parent: usize| {
            suppress(&cells, &[Partition { parent, children }], k(15)).unwrap_err()
        };
        assert_eq!(
            bad(vec![1, 3], 0),
            SuppressionError::InvalidPartition {
                partition: 0,
                problem: PartitionProblem::IndexOutOfRange { index: 3, cells: 3 }
            }
        );
        assert_eq!(
            bad(vec![1, 2], 5),
            SuppressionError::InvalidPartition {
                partition: 0,
                problem: PartitionProblem::IndexOutOfRange { index: 5, cells: 3 }
            }
        );
        assert_eq!(
            bad(vec![1, 1], 0),
            SuppressionError::InvalidPartition {
                partition: 0,
                problem: PartitionProblem::RepeatedCell { index: 1 }
            }
        );
        assert_eq!(
            bad(vec![0, 1], 0),
            SuppressionError::InvalidPartition {
                partition: 0,
                problem: PartitionProblem::RepeatedCell { index: 0 }
            }
        );
    }

    #[test]
    fn non_additive_relations_are_refused() {
        // E.g. the "no answer" group was left out of a partition by sex.
        let error = suppress(
            &[30, 10, 15, 5],
            &[Partition {
                parent: 0,
                children: vec![1, 2],
            }],
            k(15),
        )
        .unwrap_err();
        assert_eq!(
            error,
            SuppressionError::NotAdditive {
                partition: 0,
                parent: 0,
                parent_n: 30,
                children_n: 25
            }
        );
        assert!(error.to_string().contains("no answer"));
        // Overflowing sums are compared exactly, not wrapped.
        let error = suppress(
            &[2, u64::MAX, 3],
            &[Partition {
                parent: 0,
                children: vec![1, 2],
            }],
            k(15),
        )
        .unwrap_err();
        assert!(matches!(
            error,
            SuppressionError::NotAdditive {
                children_n: u64::MAX,
                ..
            }
        ));
    }

    #[test]
    fn given_statuses_must_fit_the_table() {
        let (cells, partitions) = row(&[20, 30]);
        assert_eq!(
            suppress_from(&cells, &partitions, k(15), &[SHOWN]),
            Err(SuppressionError::StatusCountMismatch {
                cells: 3,
                statuses: 1
            })
        );
        assert_eq!(
            disclosure_risks(&cells, &partitions, k(15), &[SHOWN]),
            Err(SuppressionError::StatusCountMismatch {
                cells: 3,
                statuses: 1
            })
        );
    }

    #[test]
    fn given_statuses_from_another_table_are_merged_sensibly() {
        // Cell 1 was empty and cell 2 small in another scale; cell 3 was a
        // partner there.
        let (cells, partitions) = row(&[20, 30, 40]);
        let given = [SHOWN, EMPTY, below(4), complementary(0)];
        assert_eq!(
            suppress_from(&cells, &partitions, k(15), &given).unwrap(),
            vec![SHOWN, SHOWN, below(4), complementary(0)]
        );
        // Primary suppression is recorded with this table's n.
        let (cells, partitions) = row(&[5, 20, 40]);
        let given = [SHOWN, complementary(9), SHOWN, SHOWN];
        assert_eq!(
            suppress_from(&cells, &partitions, k(15), &given).unwrap(),
            vec![SHOWN, below(5), complementary(0), SHOWN]
        );
    }

    #[test]
    fn tables_without_relations_get_primary_suppression_only() {
        assert_eq!(
            suppress(&[0, 3, 15], &[], k(15)).unwrap(),
            vec![EMPTY, below(3), SHOWN]
        );
        assert_eq!(suppress(&[], &[], k(15)).unwrap(), vec![]);
    }

    // ---- cube relations ---------------------------------------------------

    #[test]
    fn cube_relations_cover_every_total_and_dimension() {
        let (keys, _) = cube(&[2, 2], &[1, 2, 3, 4]);
        // Key order: (0,0) (0,1) (0,T) (1,0) (1,1) (1,T) (T,0) (T,1) (T,T).
        assert_eq!(
            partitions_of_cube(&keys),
            vec![
                Partition {
                    parent: 2,
                    children: vec![0, 1]
                },
                Partition {
                    parent: 5,
                    children: vec![3, 4]
                },
                Partition {
                    parent: 6,
                    children: vec![0, 3]
                },
                Partition {
                    parent: 7,
                    children: vec![1, 4]
                },
                Partition {
                    parent: 8,
                    children: vec![2, 5]
                },
                Partition {
                    parent: 8,
                    children: vec![6, 7]
                },
            ]
        );
    }

    #[test]
    fn duplicate_keys_are_tied_together() {
        let keys = [
            CubeKey(vec![None]),
            CubeKey(vec![Some(0)]),
            CubeKey(vec![Some(1)]),
            CubeKey(vec![None]),
            CubeKey(vec![Some(1)]),
        ];
        let partitions = partitions_of_cube(&keys);
        assert_eq!(
            partitions,
            vec![
                Partition {
                    parent: 0,
                    children: vec![1, 2]
                },
                Partition {
                    parent: 3,
                    children: vec![1, 2]
                },
                Partition {
                    parent: 0,
                    children: vec![3]
                },
                Partition {
                    parent: 2,
                    children: vec![4]
                },
            ]
        );
        // The small group 1 needs a partner; group 2 (its copy 4 too) or a
        // total copy would do, and the copies are never split.
        let cells = [25, 5, 20, 25, 20];
        let status = suppress(&cells, &partitions, k(15)).unwrap();
        assert_eq!(status[2].is_shown(), status[4].is_shown());
        assert_eq!(status[0].is_shown(), status[3].is_shown());
        assert_eq!(
            disclosure_risks(&cells, &partitions, k(15), &status).unwrap(),
            vec![]
        );
    }

    #[test]
    fn totals_that_are_not_broken_down_give_no_relation() {
        let keys = [CubeKey(vec![None, None]), CubeKey(vec![Some(1), None])];
        assert_eq!(
            partitions_of_cube(&keys),
            vec![Partition {
                parent: 0,
                children: vec![1]
            }]
        );
        assert_eq!(partitions_of_cube(&[]), vec![]);
    }

    /// A city with nested districts and schools × grade × sex (female, male,
    /// diverse, no answer), as the aggregate module builds it.
    fn nested_city(seed: u64, schools_per_district: &[u64]) -> (Vec<CubeKey>, Vec<u64>) {
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            state >> 33
        };
        let grades = 3u64;
        let sexes = 4u64;
        let mut inner = BTreeMap::new();
        for (district, &schools) in schools_per_district.iter().enumerate() {
            for school in 0..schools {
                for grade in 0..grades {
                    for sex in 0..sexes {
                        let n = match sex {
                            0 | 1 => 10 + next() % 40,
                            2 => next() % 3,
                            _ => next() % 5,
                        };
                        inner.insert((district as u64, school, grade, sex), n);
                    }
                }
            }
        }
        let mut geo: Vec<(Option<u64>, Option<u64>)> = vec![(None, None)];
        for (district, &schools) in schools_per_district.iter().enumerate() {
            geo.push((Some(district as u64), None));
            for school in 0..schools {
                geo.push((Some(district as u64), Some(school)));
            }
        }
        let mut keys = Vec::new();
        let mut cells = Vec::new();
        for &(district, school) in &geo {
            for grade in (0..grades).map(Some).chain([None]) {
                for sex in (0..sexes).map(Some).chain([None]) {
                    keys.push(CubeKey(vec![district, school, grade, sex]));
                    cells.push(
                        inner
                            .iter()
                            .filter(|((d, s, g, x), _)| {
                                district.is_none_or(|v| v == *d)
                                    && school.is_none_or(|v| v == *s)
                                    && grade.is_none_or(|v| v == *g)
                                    && sex.is_none_or(|v| v == *x)
                            })
                            .map(|(_, n)| n)
                            .sum(),
                    );
                }
            }
        }
        (keys, cells)
    }

    #[test]
    fn a_nested_city_cube_is_protected() {
        let (keys, cells) = nested_city(7, &[3, 2, 1]);
        let partitions = partitions_of_cube(&keys);
        let status = suppress(&cells, &partitions, k(15)).unwrap();
        assert_eq!(
            disclosure_risks(&cells, &partitions, k(15), &status).unwrap(),
            vec![]
        );
        // The city total and the district totals over all grades and sexes
        // are large and stay shown.
        for district in [None, Some(0), Some(1), Some(2)] {
            let key = [district, None, None, None];
            assert!(status[index_of(&keys, &key)].is_shown(), "{key:?}");
        }
        assert_eq!(
            suppress_from(&cells, &partitions, k(15), &status).unwrap(),
            status
        );
    }

    // ---- properties ---------------------------------------------------

    /// Every guarantee of `suppress`, checked directly (not via
    /// `disclosure_risks`, so that the two are tested against each other).
    fn check_guarantees(
        cells: &[u64],
        partitions: &[Partition],
        k: MinGroupSize,
        status: &[CellStatus],
    ) -> Result<(), TestCaseError> {
        let hidden = |c: usize| cells[c] > 0 && status[c].is_suppressed();
        for (cell, (&n, status)) in cells.iter().zip(status).enumerate() {
            // (a) no shown small cell; empty cells are marked empty.
            prop_assert!(!(status.is_shown() && n > 0 && n < k.get()), "cell {cell}");
            prop_assert_eq!(n == 0, *status == EMPTY, "cell {}", cell);
        }
        for partition in partitions {
            let hidden_children: Vec<usize> = partition
                .children
                .iter()
                .copied()
                .filter(|&c| hidden(c))
                .collect();
            if status[partition.parent].is_shown() {
                // (b) never exactly one hidden child; a hidden union holds
                // at least k pupils.
                prop_assert!(hidden_children.len() != 1, "{partition:?}");
                let union: u64 = hidden_children.iter().map(|&c| cells[c]).sum();
                prop_assert!(
                    hidden_children.is_empty() || union >= k.get(),
                    "{partition:?}"
                );
            } else if hidden(partition.parent) {
                prop_assert!(!hidden_children.is_empty(), "{partition:?}");
            }
        }
        Ok(())
    }

    fn check_all(
        cells: &[u64],
        partitions: &[Partition],
        k: MinGroupSize,
    ) -> Result<(), TestCaseError> {
        let status = suppress(cells, partitions, k).unwrap();
        check_guarantees(cells, partitions, k, &status)?;
        prop_assert_eq!(
            disclosure_risks(cells, partitions, k, &status).unwrap(),
            vec![]
        );
        // (c) idempotent.
        prop_assert_eq!(
            &suppress_from(cells, partitions, k, &status).unwrap(),
            &status
        );
        // Every complementary cell is needed: showing it alone discloses.
        for (cell, s) in status.iter().enumerate() {
            if matches!(
                s,
                CellStatus::Suppressed(SuppressionReason::Complementary { .. })
            ) {
                let mut relaxed = status.clone();
                relaxed[cell] = SHOWN;
                prop_assert!(
                    !disclosure_risks(cells, partitions, k, &relaxed)
                        .unwrap()
                        .is_empty(),
                    "cell {} is not needed",
                    cell
                );
            }
        }
        // (d) nothing small, nothing hidden.
        if cells.iter().all(|&n| n == 0 || n >= k.get()) {
            prop_assert!(
                status
                    .iter()
                    .zip(cells)
                    .all(|(s, &n)| n == 0 || s.is_shown())
            );
        }
        Ok(())
    }

    /// Rank by floating-point elimination with partial pivoting: an
    /// independent oracle for `analyse` on small tables (entries are small
    /// integers, so a 1e-9 tolerance is far from rounding noise).
    fn rank(mut rows: Vec<Vec<f64>>) -> usize {
        let columns = rows.first().map_or(0, Vec::len);
        let mut rank = 0;
        for column in 0..columns {
            let Some(pivot) = (rank..rows.len())
                .filter(|&r| rows[r][column].abs() > 1e-9)
                .max_by(|&a, &b| rows[a][column].abs().total_cmp(&rows[b][column].abs()))
            else {
                continue;
            };
            rows.swap(rank, pivot);
            let pivot_row = rows[rank].clone();
            for (r, row) in rows.iter_mut().enumerate() {
                if r != rank {
                    let factor = row[column] / pivot_row[column];
                    for (value, pivot_value) in row.iter_mut().zip(&pivot_row) {
                        *value -= factor * pivot_value;
                    }
                }
            }
            rank += 1;
        }
        rank
    }

    /// Hidden non-empty cells determined by the relations: `x` is
    /// determined iff dropping its column lowers the rank of the relation
    /// matrix restricted to hidden cells.
    fn determined_by_oracle(
        cells: &[u64],
        partitions: &[Partition],
        status: &[CellStatus],
    ) -> Vec<usize> {
        let hidden: Vec<usize> = (0..cells.len())
            .filter(|&c| cells[c] > 0 && status[c].is_suppressed())
            .collect();
        let matrix = |columns: &[usize]| -> Vec<Vec<f64>> {
            partitions
                .iter()
                .map(|p| {
                    columns
                        .iter()
                        .map(|&c| {
                            if c == p.parent {
                                1.0
                            } else if p.children.contains(&c) {
                                -1.0
                            } else {
                                0.0
                            }
                        })
                        .collect()
                })
                .collect()
        };
        let full = rank(matrix(&hidden));
        hidden
            .iter()
            .copied()
            .filter(|&x| {
                let others: Vec<usize> = hidden.iter().copied().filter(|&c| c != x).collect();
                rank(matrix(&others)) < full
            })
            .collect()
    }

    fn cube_strategy(dims: usize) -> impl Strategy<Value = (Vec<usize>, Vec<u64>)> {
        let max: usize = if dims == 2 { 5 } else { 3 };
        prop::collection::vec(1..=max, dims).prop_flat_map(|sizes| {
            let len: usize = sizes.iter().product();
            (Just(sizes), prop::collection::vec(0u64..40, len))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn random_2d_cubes_are_protected((sizes, inner) in cube_strategy(2), k in 10u64..=25) {
            let (keys, cells) = cube(&sizes, &inner);
            check_all(&cells, &partitions_of_cube(&keys), MinGroupSize::new(k).unwrap())?;
        }

        #[test]
        fn random_3d_cubes_are_protected((sizes, inner) in cube_strategy(3), k in 10u64..=25) {
            let (keys, cells) = cube(&sizes, &inner);
            check_all(&cells, &partitions_of_cube(&keys), MinGroupSize::new(k).unwrap())?;
        }

        #[test]
        fn sparse_3d_cubes_are_protected(
            (sizes, inner) in cube_strategy(3),
            zeros in prop::collection::vec(any::<bool>(), 27),
            k in 10u64..=25,
        ) {
            // Many empty cells: lone children and empty partners.
            let inner: Vec<u64> =
                inner.iter().zip(&zeros).map(|(&n, &zero)| if zero { 0 } else { n }).collect();
            let (keys, cells) = cube(&sizes, &inner);
            check_all(&cells, &partitions_of_cube(&keys), MinGroupSize::new(k).unwrap())?;
        }

        #[test]
        fn imposed_suppressions_are_kept_and_completed(
            (sizes, inner) in cube_strategy(3),
            extra in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
            k in 10u64..=25,
        ) {
            let (keys, cells) = cube(&sizes, &inner);
            let partitions = partitions_of_cube(&keys);
            let k = MinGroupSize::new(k).unwrap();
            let mut given = vec![SHOWN; cells.len()];
            for index in extra {
                let cell = index.index(cells.len());
                if cells[cell] > 0 {
                    given[cell] = complementary(cell);
                }
            }
            let status = suppress_from(&cells, &partitions, k, &given).unwrap();
            check_guarantees(&cells, &partitions, k, &status)?;
            prop_assert_eq!(disclosure_risks(&cells, &partitions, k, &status).unwrap(), vec![]);
            for (cell, given) in given.iter().enumerate() {
                if given.is_suppressed() {
                    // Kept, with the given reason unless it is primary.
                    prop_assert!(status[cell].is_suppressed());
                    if cells[cell] >= k.get() {
                        prop_assert_eq!(status[cell], *given);
                    }
                }
            }
        }

        #[test]
        fn recomputable_cells_match_an_independent_oracle(
            (sizes, inner) in cube_strategy(3),
            hide in prop::collection::vec(0u8..100, 0..=80),
            density in 30u8..98,
        ) {
            // Arbitrary (mostly unsafe) patterns, so both answers occur.
            let (keys, cells) = cube(&sizes, &inner);
            let partitions = partitions_of_cube(&keys);
            let status: Vec<CellStatus> = (0..cells.len())
                .map(|c| if hide.get(c).is_some_and(|&h| h < density) { complementary(0) } else { SHOWN })
                .collect();
            let found: Vec<usize> = disclosure_risks(&cells, &partitions, k(10), &status)
                .unwrap()
                .into_iter()
                .filter_map(|risk| match risk {
                    Disclosure::JointlyRecomputable { cell, .. } => Some(cell),
                    _ => None,
                })
                .collect();
            prop_assert_eq!(found, determined_by_oracle(&cells, &partitions, &status));
        }

        #[test]
        fn random_nested_cities_are_protected(seed in any::<u64>(), k in 10u64..=25) {
            let (keys, cells) = nested_city(seed, &[2, 1]);
            let partitions = partitions_of_cube(&keys);
            let k = MinGroupSize::new(k).unwrap();
            let status = suppress(&cells, &partitions, k).unwrap();
            check_guarantees(&cells, &partitions, k, &status)?;
            prop_assert_eq!(disclosure_risks(&cells, &partitions, k, &status).unwrap(), vec![]);
        }
    }
}
