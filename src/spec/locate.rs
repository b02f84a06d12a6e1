//! Maps JSON paths (`design.arms[1].share`) to line:column positions in the spec
//! text, so that errors found after parsing (semantic checks) can still point at the
//! place in the file where the user has to look.
//!
//! A small scanner over the already-valid JSON text; it records where each value's
//! key starts (or, for array elements, where the element starts).

use std::collections::HashMap;
use std::fmt;

/// A 1-based line and column (in characters) in a text file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Positions of every value in a JSON document, by path.
#[derive(Debug, Default, Clone)]
pub struct PositionIndex {
    positions: HashMap<String, Position>,
}

impl PositionIndex {
    /// Indexes `text`. Malformed input yields a partial index (the parser reports it).
    pub fn new(text: &str) -> PositionIndex {
        let mut scanner = Scanner {
            chars: text.chars().collect(),
            at: 0,
            line: 1,
            column: 1,
            index: HashMap::new(),
        };
        scanner.skip_whitespace();
        let start = scanner.position();
        scanner.index.insert(String::new(), start);
        scanner.value(String::new());
        PositionIndex {
            positions: scanner.index,
        }
    }

    /// The position of `path`, or of its nearest recorded ancestor.
    pub fn find(&self, path: &str) -> Option<Position> {
        let mut path = path;
        loop {
            if let Some(position) = self.positions.get(path) {
                return Some(*position);
            }
            let cut = path.rfind(['.', '['])?;
            path = &path[..cut];
        }
    }
}

struct Scanner {
    chars: Vec<char>,
    at: usize,
    line: usize,
    column: usize,
    index: HashMap<String, Position>,
}

impl Scanner {
    fn position(&self) -> Position {
        Position {
            line: self.line,
            column: self.column,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(c) if c.is_whitespace()) {
            self.bump();
        }
    }

    fn value(&mut self, path: String) {
        self.skip_whitespace();
        match self.peek() {
            Some('{') => self.object(path),
            Some('[') => self.array(path),
            Some('"') => {
                self.string();
            }
            Some(_) => {
                while matches!(self.peek(), Some(c) if !matches!(c, ',' | '}' | ']') && !c.is_whitespace())
                {
                    self.bump();
                }
            }
            None => {}
        }
    }

    fn object(&mut self, path: String) {
        self.bump();
        loop {
            self.skip_whitespace();
            match self.peek() {
                Some('"') => {}
                Some('}') => {
                    self.bump();
                    return;
                }
                Some(',') => {
                    self.bump();
                    continue;
                }
                _ => return,
            }
            let key_position = self.position();
            let key = self.string();
            let child = if path.is_empty() {
                key
            } else {
                format!("{path}.{key}")
            };
            self.index.insert(child.clone(), key_position);
            self.skip_whitespace();
            if self.peek() != Some(':') {
                return;
            }
            self.bump();
            self.value(child);
        }
    }

    fn array(&mut self, path: String) {
        self.bump();
        let mut element = 0;
        loop {
            self.skip_whitespace();
            match self.peek() {
                Some(']') => {
                    self.bump();
                    return;
                }
                Some(',') => {
                    self.bump();
                    element += 1;
                    continue;
                }
                None => return,
                _ => {}
            }
            let child = format!("{path}[{element}]");
            let position = self.position();
            self.index.insert(child.clone(), position);
            let before = self.at;
            self.value(child);
            if self.at == before {
                return;
            }
        }
    }

    /// Reads a string literal (at its opening quote) and returns its unescaped text.
    fn string(&mut self) -> String {
        self.bump();
        let mut text = String::new();
        while let Some(c) = self.bump() {
            match c {
                '"' => break,
                '\\' => {
                    if let Some(escaped) = self.bump() {
                        match escaped {
                            'n' => text.push('\n'),
                            't' => text.push('\t'),
                            'u' => {
                                let hex: String = (0..4).filter_map(|_| self.bump()).collect();
                                if let Some(decoded) =
                                    u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                                {
                                    text.push(decoded);
                                }
                            }
                            other => text.push(other),
                        }
                    }
                }
                other => text.push(other),
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_and_array_elements() {
        let text = "{\n  \"title\": \"x\",\n  \"design\": {\n    \"arms\": [\n      {\"name\": \"a\", \"share\": 0.5},\n      {\"name\": \"b\", \"share\": 0.4}\n    ]\n  }\n}";
        let index = PositionIndex::new(text);
        assert_eq!(index.find("title"), Some(Position { line: 2, column: 3 }));
        assert_eq!(
            index.find("design.arms[1]"),
            Some(Position { line: 6, column: 7 })
        );
        assert_eq!(
            index.find("design.arms[1].share"),
            Some(Position {
                line: 6,
                column: 21
            })
        );
        // An unknown path falls back to its nearest known ancestor.
        assert_eq!(
            index.find("design.arms[1].colour"),
            Some(Position { line: 6, column: 7 })
        );
    }

    #[test]
    fn counts_columns_in_characters_not_bytes() {
        let index = PositionIndex::new("{\"title\": \"é\", \"x\": 1}");
        assert_eq!(
            index.find("x"),
            Some(Position {
                line: 1,
                column: 16
            })
        );
    }
}
