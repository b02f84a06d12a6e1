//! The file line each data row of a table starts on, for messages that name a line.
//!
//! In almost every file row r is on line r + 2 (one header line, one line a row), so
//! only the places where that stops holding are kept: a blank line, a quoted field
//! spanning lines. A 10,000,000-row file keeps a few numbers instead of 80 MB.

/// The file line of each data row (0-based rows; the header is line 1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowLines {
    rows: usize,
    /// (row, its line) at row 0 and at every row not on the line after the
    /// previous row's, in row order.
    jumps: Vec<(usize, u64)>,
}

impl RowLines {
    /// `rows` rows on consecutive lines from `first_line` (a Parquet or Arrow file,
    /// numbered as its CSV copy would be).
    pub fn consecutive(first_line: u64, rows: usize) -> Self {
        RowLines {
            rows,
            jumps: if rows == 0 {
                Vec::new()
            } else {
                vec![(0, first_line)]
            },
        }
    }

    /// Adds the next row, starting on `line` (after the previous row's).
    pub fn push(&mut self, line: u64) {
        if self.next_line() != Some(line) {
            self.jumps.push((self.rows, line));
        }
        self.rows += 1;
    }

    /// The line after the last row's, where a next row without a jump would start.
    fn next_line(&self) -> Option<u64> {
        self.jumps
            .last()
            .map(|&(row, line)| line + (self.rows - row) as u64)
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The line row `row` starts on.
    ///
    /// # Panics
    /// When `row` is not a row of the table.
    pub fn line(&self, row: usize) -> u64 {
        assert!(
            row < self.rows,
            "row {row} of a table of {} rows",
            self.rows
        );
        let at = self.jumps.partition_point(|&(r, _)| r <= row) - 1;
        let (from, line) = self.jumps[at];
        line + (row - from) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_rows_keep_one_jump_and_blank_lines_one_each() {
        let mut lines = RowLines::default();
        for line in [2, 3, 4, 6, 7, 10, 11, 12] {
            lines.push(line);
        }
        assert_eq!(lines.len(), 8);
        assert_eq!(lines.jumps, vec![(0, 2), (3, 6), (5, 10)]);
        let all: Vec<u64> = (0..8).map(|r| lines.line(r)).collect();
        assert_eq!(all, vec![2, 3, 4, 6, 7, 10, 11, 12]);
        assert_eq!(RowLines::consecutive(5, 3).line(2), 7);
        assert!(RowLines::consecutive(5, 0).is_empty());
    }

    #[test]
    #[should_panic(expected = "row 3 of a table of 3 rows")]
    fn a_row_past_the_end_is_a_bug_not_a_line() {
        RowLines::consecutive(2, 3).line(3);
    }
}
