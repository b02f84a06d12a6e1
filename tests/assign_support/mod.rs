//! Shared helpers for the assign tests: a study in a temporary folder with a units
//! file and an assignment spec, loaded into a `Plan` or driven through the binary.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use evident::spec::Plan;
use tempfile::TempDir;

pub struct AssignStudy {
    pub dir: TempDir,
}

/// A spec with `design` spliced in (the JSON of the design object's members after
/// `kind`), reporting to `out/`.
pub fn spec_text(kind: &str, design: &str, analysis: Option<&str>) -> String {
    let analysis = analysis
        .map(|a| format!(",\n  \"analysis\": {a}"))
        .unwrap_or_default();
    format!(
        r#"{{
  "evident": 1,
  "title": "Assignment test",
  "statement": {{"problem": "p", "action": "a", "data_product": "d", "datasets": ["x"]}},
  "design": {{
    "kind": "{kind}",
    {design}
  }},
  "outcomes": [{{"name": "y", "type": "continuous", "role": "primary"}}]{analysis},
  "evidence": {{"target_level": 1}},
  "report": {{"dir": "out", "formats": ["json", "md"]}}
}}"#
    )
}

/// `n` units over `blocks` blocks (sizes differ), clusters of about 4 within
/// blocks, and two covariates; deterministic.
pub fn units_csv(n: usize, blocks: usize) -> String {
    let mut text = String::from("id,region,school,age,score\n");
    for i in 0..n {
        let block = (i * 7 + i / 3) % blocks;
        let school = format!("S{:02}-{}", block, (i / 4) % 3);
        let age = 20 + (i * 37) % 41;
        let score = ((i * 53) % 97) as f64 / 10.0 - 4.8;
        writeln!(text, "U{:04},R{block},{school},{age},{score:.1}", i + 1).unwrap();
    }
    text
}

impl AssignStudy {
    pub fn new(spec: &str, units: &str) -> AssignStudy {
        let study = AssignStudy {
            dir: TempDir::new().expect("temporary folder"),
        };
        study.write("study.json", spec.as_bytes());
        study.write("units.csv", units.as_bytes());
        study
    }

    pub fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.dir.path().join(name), bytes).expect("write test file");
    }

    pub fn spec(&self) -> PathBuf {
        self.dir.path().join("study.json")
    }

    pub fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn plan(&self) -> Plan {
        match evident::pipeline::check(&self.spec()) {
            Ok(checked) => checked.plan,
            Err(e) => panic!("spec should be valid: {e}"),
        }
    }
}

/// Parses assignments.csv into (id, arm, block, cluster, probability) rows.
pub fn parse(bytes: &[u8]) -> Vec<(String, String, String, String, f64)> {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (
                f[0].to_string(),
                f[1].to_string(),
                f[2].to_string(),
                f[3].to_string(),
                f[4].parse().expect("a probability"),
            )
        })
        .collect()
}

pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}
