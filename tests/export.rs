//! The Word and Excel exports (issue 21) of an example report, read back as a reader
//! would meet them. specs/hmo-inspections/study.json asks for `docx` and `xlsx`; the
//! binary writes its report into a temporary folder, then:
//!
//! - report.xlsx is read with calamine: a Contents sheet and one sheet per table of
//!   report.md, in order, each with its caption, its header, and the report's figures
//!   as numbers (the flow table's allocated and analysed counts against report.json);
//! - report.docx is converted to PDF by LibreOffice (headless), which must open it
//!   without complaint; `pdfinfo` counts its pages, `pdftotext` must find every table
//!   caption and `pdfimages` one image per chart.
//!
//! The LibreOffice check needs Debian's `libreoffice-writer-nogui` and `poppler-utils`.
//! Without them it fails under `CI=true` (.ci/run installs them) and otherwise says it
//! skipped.

mod process_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use process_support::{available, run_with_timeout};

use calamine::{Data, Reader, Xlsx, open_workbook};
use tempfile::TempDir;

const SOFFICE_TIMEOUT: Duration = Duration::from_secs(300);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The example report, written by the binary into `out`.
fn render(out: &Path) {
    let spec = repo().join("specs/hmo-inspections/study.json");
    let output = Command::new(env!("CARGO_BIN_EXE_evident"))
        .arg("run")
        .arg(&spec)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run evident");
    assert!(
        output.status.success(),
        "evident run {} failed: {}",
        spec.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The table captions of report.md, in order: an emphasised line followed by a blank
/// line and a table row.
fn captions(markdown: &str) -> Vec<String> {
    let lines: Vec<&str> = markdown.lines().collect();
    lines
        .windows(3)
        .filter(|w| {
            w[0].len() > 2 && w[0].starts_with('*') && w[0].ends_with('*') && w[1].is_empty()
        })
        .filter(|w| w[2].starts_with("| "))
        .map(|w| {
            let inner = &w[0][1..w[0].len() - 1];
            // Markdown escapes: a backslash before a punctuation character.
            let mut text = String::new();
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    if let Some(next) = chars.next() {
                        text.push(next);
                    }
                } else {
                    text.push(c);
                }
            }
            text
        })
        .collect()
}

fn text(cell: Option<&Data>) -> String {
    match cell {
        Some(Data::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

#[test]
fn every_table_is_a_sheet_with_its_header_and_numbers_as_numbers() {
    let work = TempDir::new().expect("temporary folder");
    render(work.path());
    let markdown = std::fs::read_to_string(work.path().join("report.md")).expect("report.md");
    let captions = captions(&markdown);
    assert!(captions.len() >= 10, "tables in report.md: {captions:?}");

    let mut workbook: Xlsx<_> =
        open_workbook(work.path().join("report.xlsx")).expect("open report.xlsx");
    let names = workbook.sheet_names();
    assert_eq!(names.len(), captions.len() + 1, "sheets: {names:?}");
    assert_eq!(names[0], "Contents");
    let contents = workbook
        .worksheet_range("Contents")
        .expect("Contents sheet");
    assert_eq!(
        (1..=captions.len())
            .map(|r| text(contents.get((r, 2))))
            .collect::<Vec<_>>(),
        captions
    );

    for (name, caption) in names[1..].iter().zip(&captions) {
        let sheet = workbook.worksheet_range(name).expect("table sheet");
        assert_eq!(&text(sheet.get((0, 0))), caption, "sheet {name}");
        assert!(
            !text(sheet.get((1, 0))).is_empty(),
            "sheet {name} has no header"
        );
    }

    // The flow table: arms' allocated and analysed counts are numbers, as in the JSON.
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(work.path().join("report.json")).expect("report.json"),
    )
    .expect("report.json parses");
    let flow = captions
        .iter()
        .position(|c| c.starts_with("Units per arm"))
        .expect("the flow table");
    let sheet = workbook
        .worksheet_range(&names[flow + 1])
        .expect("flow sheet");
    let header: Vec<String> = (0..sheet.width())
        .map(|c| text(sheet.get((1, c))))
        .collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no {name} column in {header:?}"))
    };
    let arms = json["analysis"]["flow"]["arms"].as_array().expect("arms");
    assert_eq!(arms.len(), 2);
    for (i, arm) in arms.iter().enumerate() {
        let row = i + 2;
        assert_eq!(text(sheet.get((row, 0))), arm["arm"].as_str().expect("arm"));
        for (field, name) in [("allocated", "Allocated"), ("analysed", "Analysed")] {
            let expected = arm[field].as_f64().expect("a count");
            assert_eq!(
                sheet.get((row, column(name))),
                Some(&Data::Float(expected)),
                "{field} of {}",
                arm["arm"]
            );
        }
    }
    // The attrition, shown with one decimal as a percentage (8.4%), is a number with
    // three decimals (0.084).
    let attrition = sheet.get((2, column("Attrition"))).expect("attrition");
    assert!(
        matches!(attrition, Data::Float(v)
            if *v > 0.0 && *v < 1.0 && ((v * 1000.0).round() / 1000.0 - v).abs() < 1e-12),
        "{attrition:?}"
    );
}

/// Whether LibreOffice and poppler's tools are here; fails under CI=true when not.
fn office_available() -> bool {
    let on_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let missing: Vec<&str> = [
        ("soffice", "--version"),
        ("pdfinfo", "-v"),
        ("pdftotext", "-v"),
        ("pdfimages", "-v"),
    ]
    .into_iter()
    .filter(|(program, flag)| !available(program, flag))
    .map(|(program, _)| program)
    .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        !on_ci,
        "{} not installed: CI must install libreoffice-writer-nogui and poppler-utils (.ci/run does)",
        missing.join(" and ")
    );
    eprintln!(
        "skipped: {} not installed (apt-get install --no-install-recommends libreoffice-writer-nogui poppler-utils)",
        missing.join(" and ")
    );
    false
}

fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_word_report_opens_in_libreoffice_with_every_table_and_chart() {
    if !office_available() {
        return;
    }
    let work = TempDir::new().expect("temporary folder");
    let out = work.path().join("report");
    render(&out);
    let docx = out.join("report.docx");
    // Its own profile, so that a LibreOffice already running elsewhere is not used.
    let profile = work.path().join("profile");
    let pdf_dir = work.path().join("pdf");
    let converted = run_with_timeout(
        Command::new("soffice")
            .arg(format!(
                "-env:UserInstallation=file://{}",
                profile.display()
            ))
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(&pdf_dir)
            .arg(&docx),
        SOFFICE_TIMEOUT,
    );
    let pdf = pdf_dir.join("report.pdf");
    assert!(
        converted.status.success() && pdf.exists(),
        "LibreOffice did not convert report.docx: {}{}",
        String::from_utf8_lossy(&converted.stdout),
        String::from_utf8_lossy(&converted.stderr)
    );

    let info = Command::new("pdfinfo").arg(&pdf).output().expect("pdfinfo");
    let info = String::from_utf8_lossy(&info.stdout);
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in {info}"));
    // The HTML prints to 10 A4 pages; the document is laid out alike.
    assert!((4..=14).contains(&pages), "{pages} pages");

    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    let text = squeeze(&String::from_utf8_lossy(&text.stdout));
    let markdown = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    let title = markdown
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# "))
        .expect("title");
    assert!(text.contains(&squeeze(title)), "title missing");
    for caption in captions(&markdown) {
        assert!(
            text.contains(&squeeze(&caption)),
            "caption missing from the PDF: {caption}"
        );
    }

    // One image per chart (report.md links each chart's SVG, written beside it).
    let charts = std::fs::read_dir(&out)
        .expect("report folder")
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "svg"))
        .count();
    assert!(charts >= 3, "{charts} charts");
    let images = Command::new("pdfimages")
        .arg("-list")
        .arg(&pdf)
        .output()
        .expect("pdfimages");
    let images = String::from_utf8_lossy(&images.stdout);
    // Two header lines, then one line per image.
    assert_eq!(images.lines().skip(2).count(), charts, "{images}");
}
