//! Cluster (or block) membership: maps any labels to dense ids 0..J, in sorted label
//! order, keeping the labels so that errors can name a cluster.

use std::collections::BTreeMap;
use std::fmt::Display;

/// Group membership of each row, with ids `0..count()` in sorted label order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clusters {
    ids: Vec<usize>,
    labels: Vec<String>,
}

impl Clusters {
    /// Groups rows by label; ids follow the sorted order of the labels.
    pub fn from_labels<T: Ord + Display>(labels: &[T]) -> Clusters {
        let mut index: BTreeMap<&T, usize> = BTreeMap::new();
        for label in labels {
            index.entry(label).or_insert(0);
        }
        let mut names = Vec::with_capacity(index.len());
        for (j, (label, id)) in index.iter_mut().enumerate() {
            *id = j;
            names.push(label.to_string());
        }
        let ids = labels.iter().map(|l| index[l]).collect();
        Clusters { ids, labels: names }
    }

    /// Groups rows labelled by small integers: the same as [`Clusters::from_labels`]
    /// on them, by a table of the labels present instead of an ordered map (a panel
    /// of 100,000 units × 20 periods has two million rows to label).
    pub fn from_indices(labels: &[usize]) -> Clusters {
        let size = labels.iter().max().map_or(0, |m| m + 1);
        let mut id_of = vec![usize::MAX; size];
        for &label in labels {
            id_of[label] = 0;
        }
        let mut names = Vec::new();
        for (label, id) in id_of.iter_mut().enumerate() {
            if *id == 0 {
                *id = names.len();
                names.push(label.to_string());
            }
        }
        let ids = labels.iter().map(|&l| id_of[l]).collect();
        Clusters { ids, labels: names }
    }

    /// The id (0-based, in label order) of every row.
    pub fn ids(&self) -> &[usize] {
        &self.ids
    }

    /// The label of cluster `id`.
    pub fn label(&self, id: usize) -> &str {
        &self.labels[id]
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Number of distinct clusters J.
    pub fn count(&self) -> usize {
        self.labels.len()
    }

    /// Row indices of each cluster, in row order.
    pub fn members(&self) -> Vec<Vec<usize>> {
        let mut members = vec![Vec::new(); self.count()];
        for (row, &id) in self.ids.iter().enumerate() {
            members[id].push(row);
        }
        members
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_label_order() {
        let c = Clusters::from_labels(&["b", "a", "b", "c"]);
        assert_eq!(c.ids(), &[1, 0, 1, 2]);
        assert_eq!(c.count(), 3);
        assert_eq!(c.label(2), "c");
        assert_eq!(c.members(), vec![vec![1], vec![0, 2], vec![3]]);
    }

    #[test]
    fn integer_labels_group_as_by_label() {
        let labels = [7usize, 3, 7, 0, 12, 3, 10];
        assert_eq!(
            Clusters::from_indices(&labels),
            Clusters::from_labels(&labels)
        );
        assert_eq!(
            Clusters::from_indices(&[]),
            Clusters::from_labels::<usize>(&[])
        );
    }
}
