//! Exact nearest-neighbour search in whitened (Mahalanobis) coordinates: a k-d tree
//! over one stratum's candidates, with removal, so greedy matching costs about
//! O(log n) per choice instead of a scan of the pool (MatchIt computes the whole
//! distance matrix: quadratic time and memory).
//!
//! The answer is the one a full scan gives, bit for bit: distances are the same
//! floating-point sum of squared coordinate differences, ties go to the smaller unit
//! index (the input is in unit-id order), and a subtree is skipped only when the
//! squared distance to its bounding box (or to its splitting plane) is strictly larger
//! than the best distance so far. Rounding is monotone, so the computed distance of
//! every point in the box is at least that bound: pruning never loses a point that a
//! scan would take, tied ones included.

/// Points per leaf: small enough to prune well in 10 dimensions, large enough that
/// the tree stays shallow.
const LEAF_SIZE: usize = 16;

/// One node: the points `order[start..end]`; inner nodes split them at the median.
/// Its bounding box is row `id` of the search's `low` and `high`.
struct Node {
    start: usize,
    end: usize,
    /// Splitting axis and value (the coordinate of the median point), and the right
    /// child (the left child is the next node); leaves: none.
    split: Option<(usize, f64, usize)>,
    /// Points of the subtree not yet removed.
    alive: usize,
    parent: usize,
}

/// A k-d tree over candidate units (indices into the pool, id order); unit `u`'s
/// whitened row is `rows[row_of[u]]`. The rows are copied in tree order, so that a
/// leaf's points are contiguous in memory.
pub(crate) struct WhitenedSearch {
    /// Coordinates per point.
    k: usize,
    /// Candidate units, permuted so that each node's points are contiguous.
    order: Vec<usize>,
    /// The whitened row of `order[p]` at `points[p * k..(p + 1) * k]`.
    points: Vec<f64>,
    nodes: Vec<Node>,
    /// Per node, the least and greatest coordinate on each axis (`k` a node).
    low: Vec<f64>,
    high: Vec<f64>,
    /// The leaf holding each position of `order`.
    leaf_of: Vec<usize>,
    /// Removed flags, by position in `order`.
    removed: Vec<bool>,
}

impl WhitenedSearch {
    pub fn new(units: &[usize], rows: &[Vec<f64>], row_of: &[usize]) -> WhitenedSearch {
        let k = units.first().map_or(0, |&u| rows[row_of[u]].len());
        let mut search = WhitenedSearch {
            k,
            order: units.to_vec(),
            points: Vec::new(),
            nodes: Vec::with_capacity(2 * units.len() / LEAF_SIZE + 1),
            low: Vec::new(),
            high: Vec::new(),
            leaf_of: vec![0; units.len()],
            removed: vec![false; units.len()],
        };
        if !units.is_empty() {
            search.build(rows, row_of, 0, units.len(), usize::MAX);
        }
        search.points = search
            .order
            .iter()
            .flat_map(|&u| rows[row_of[u]].iter().copied())
            .collect();
        search
    }

    fn point(&self, position: usize) -> &[f64] {
        &self.points[position * self.k..(position + 1) * self.k]
    }

    fn build(
        &mut self,
        rows: &[Vec<f64>],
        row_of: &[usize],
        start: usize,
        end: usize,
        parent: usize,
    ) -> usize {
        let id = self.nodes.len();
        let k = self.k;
        let mut low = vec![f64::INFINITY; k];
        let mut high = vec![f64::NEG_INFINITY; k];
        for &u in &self.order[start..end] {
            for (a, &v) in rows[row_of[u]].iter().enumerate() {
                low[a] = low[a].min(v);
                high[a] = high[a].max(v);
            }
        }
        self.nodes.push(Node {
            start,
            end,
            split: None,
            alive: end - start,
            parent,
        });
        if end - start <= LEAF_SIZE {
            self.low.extend_from_slice(&low);
            self.high.extend_from_slice(&high);
            for p in start..end {
                self.leaf_of[p] = id;
            }
            return id;
        }
        // Split on the axis of widest spread, at the median.
        let axis = (0..k)
            .max_by(|&a, &b| (high[a] - low[a]).total_cmp(&(high[b] - low[b])))
            .unwrap_or(0);
        self.low.extend_from_slice(&low);
        self.high.extend_from_slice(&high);
        let mid = start + (end - start) / 2;
        self.order[start..end].select_nth_unstable_by(mid - start, |&a, &b| {
            rows[row_of[a]][axis].total_cmp(&rows[row_of[b]][axis])
        });
        let value = rows[row_of[self.order[mid]]][axis];
        self.build(rows, row_of, start, mid, id);
        let right = self.build(rows, row_of, mid, end, id);
        self.nodes[id].split = Some((axis, value, right));
        id
    }

    /// Takes the unit at `position` (from [`Self::nearest`]) out of the tree.
    pub fn remove(&mut self, position: usize) {
        if self.removed[position] {
            return;
        }
        self.removed[position] = true;
        let mut node = self.leaf_of[position];
        while node != usize::MAX {
            self.nodes[node].alive -= 1;
            node = self.nodes[node].parent;
        }
    }

    /// Whether the candidate at `position` (from [`Self::nearest`]) was removed.
    pub fn is_removed(&self, position: usize) -> bool {
        self.removed[position]
    }

    /// Candidates not removed.
    pub fn alive(&self) -> usize {
        self.nodes.first().map_or(0, |n| n.alive)
    }

    /// The alive candidate closest to `query` among those `accept`ed, ties to the
    /// smaller unit index, as (unit, position).
    pub fn nearest(&self, query: &[f64], accept: impl Fn(usize) -> bool) -> Option<(usize, usize)> {
        let mut best: Option<(f64, usize, usize)> = None;
        if !self.nodes.is_empty() {
            self.visit(0, query, &accept, &mut best);
        }
        best.map(|(_, unit, position)| (unit, position))
    }

    fn visit(
        &self,
        id: usize,
        query: &[f64],
        accept: &impl Fn(usize) -> bool,
        best: &mut Option<(f64, usize, usize)>,
    ) {
        let node = &self.nodes[id];
        if node.alive == 0 {
            return;
        }
        // The squared distance from the query to the node's box, summed over the axes
        // in the same order as a point's distance: every point inside is at least as
        // far (monotone rounding), so a box strictly farther than the best is skipped.
        // The terms are not negative, so the running sum never decreases: once it
        // exceeds the best, so does the whole.
        if let Some((bd, _, _)) = *best {
            let (low, high) = (
                &self.low[id * self.k..(id + 1) * self.k],
                &self.high[id * self.k..(id + 1) * self.k],
            );
            let mut gap = 0.0;
            for ((&q, &lo), &hi) in query.iter().zip(low).zip(high) {
                let g = if q < lo {
                    q - lo
                } else if q > hi {
                    q - hi
                } else {
                    0.0
                };
                gap += g * g;
                if gap > bd {
                    return;
                }
            }
        }
        let Some((axis, value, right)) = node.split else {
            for position in node.start..node.end {
                if self.removed[position] {
                    continue;
                }
                let unit = self.order[position];
                // The same sum, in the same order, as a scan of the pool; stopped
                // once it exceeds the best (it can only grow), which then stays best.
                let mut d = 0.0;
                let mut beyond = false;
                for (a, b) in query.iter().zip(self.point(position)) {
                    d += (a - b) * (a - b);
                    if best.is_some_and(|(bd, _, _)| d > bd) {
                        beyond = true;
                        break;
                    }
                }
                if beyond {
                    continue;
                }
                let better = match *best {
                    None => true,
                    Some((bd, bu, _)) => d < bd || (d == bd && unit < bu),
                };
                if better && accept(unit) {
                    *best = Some((d, unit, position));
                }
            }
            return;
        };
        let gap = query[axis] - value;
        let (near, far) = if gap < 0.0 {
            (id + 1, right)
        } else {
            (right, id + 1)
        };
        self.visit(near, query, accept, best);
        if best.is_none_or(|(bd, _, _)| gap * gap <= bd) {
            self.visit(far, query, accept, best);
        }
    }
}
