//! The pipeline: spec → check → stages in order → report files, written atomically.
//!
//! Stages run in the order `Stage` lists them. A stage the spec declares but this
//! version cannot run stops the run with an error before anything is written, never
//! a silent skip.
//!
//! A spec whose outcome data do not exist yet is at the protocol stage: `run` plans
//! and assigns, then writes a protocol report (protocol.json/md/html) with the level
//! of evidence the design can reach; `report` and `analyse` say the study is waiting
//! for outcome data. When the analysis cannot run on data that do exist, `run` and
//! `report` still write the protocol report, under its own names so that a previous
//! full report stays as it was, and return the analysis error.

use std::path::{Path, PathBuf};

use crate::analysis::{Analysis, analyse};
use crate::assign::{self, AssignmentReport};
use crate::error::Error;
use crate::evidence::{Grade, grade};
use crate::lifecycle::{self, Prospect};
use crate::power::plan::{PlanResult, run_plan};
use crate::report::{self, RenderedFile, ReportModel};
use crate::spec::{Plan, Stage, Warning, load_spec, validate};

/// A checked spec.
pub struct Checked {
    pub plan: Plan,
    pub warnings: Vec<Warning>,
    pub spec_text: String,
}

/// Reads and validates a spec (no data beyond CSV headers is read).
pub fn check(path: &Path) -> Result<Checked, Error> {
    let file = load_spec(path)?;
    let (plan, mut warnings) = validate(&file)?;
    warnings.extend(reach_warning(&plan));
    Ok(Checked {
        plan,
        warnings,
        spec_text: file.text,
    })
}

/// A warning when the design as planned cannot reach the target level for a reason
/// only the plan shows (its MDES or its expected attrition); the design's own limits
/// (no comparison group, no analysis) are warned about by validation.
fn reach_warning(plan: &Plan) -> Option<Warning> {
    let protocol = lifecycle::prospect(plan, None);
    let target = protocol.target_level;
    let blocking: Vec<String> = protocol
        .criteria
        .iter()
        .filter(|c| {
            c.level <= target
                && c.prospect == Prospect::OutOfReach
                && matches!(c.id, "sample_size" | "attrition")
        })
        .map(|c| c.needs.clone())
        .collect();
    (!blocking.is_empty()).then(|| Warning {
        json_path: "design.power".into(),
        position: None,
        message: format!(
            "the planned design cannot reach target level {target}: {}",
            blocking.join(" ")
        ),
    })
}

/// Which stages a command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every stage the spec declares (`evident run`).
    All,
    /// Analyse, grade and report only (`evident report`).
    ReportOnly,
}

/// What a run produced.
pub struct RunOutput {
    pub report_dir: PathBuf,
    pub files: Vec<PathBuf>,
    pub model: ReportModel,
}

/// Runs the stages and writes the report. `force` lets the assign stage replace an
/// existing allocation that differs from the one it draws.
pub fn run(
    path: &Path,
    scope: Scope,
    out_dir: Option<&Path>,
    force: bool,
) -> Result<RunOutput, Error> {
    let checked = check(path)?;
    let plan = &checked.plan;
    for stage in &plan.stages {
        let skipped = scope == Scope::ReportOnly
            && matches!(stage, Stage::Plan | Stage::Assign | Stage::Match);
        if !stage.available() && !skipped {
            return Err(Error::StageUnavailable {
                stage: stage.name(),
                spec_key: stage.spec_key(),
                version: env!("CARGO_PKG_VERSION"),
            });
        }
    }
    let plan_result = if scope == Scope::All {
        let simulations = plan
            .power
            .as_ref()
            .and_then(|p| p.simulation.as_ref())
            .map_or(0, |s| (s.design.sims * (1 + s.n_sweep.len())) as u64);
        if simulations > 0 {
            let task = crate::progress::task("simulating the plan", simulations);
            run_plan_stage(plan, Some(&|n| task.advance(n)))?
        } else {
            run_plan_stage(plan, None)?
        }
    } else {
        None
    };
    let mut files = Vec::new();
    let assignment = match (&plan.assignment, scope) {
        (Some(_), Scope::All) => {
            let outcome = assign::run(plan, force)?;
            files.extend(outcome.files);
            Some(outcome.report)
        }
        (Some(_), Scope::ReportOnly) => existing_assignment(plan)?,
        (None, _) => None,
    };
    if plan.matching.is_some() && scope == Scope::All {
        files.extend(crate::matching::run_stage(plan, force)?.files);
    }
    let report_dir = out_dir
        .map(Path::to_path_buf)
        .unwrap_or_else(|| plan.report.dir.clone());
    let warnings: Vec<String> = checked.warnings.iter().map(|w| w.message.clone()).collect();
    let inputs = input_files(plan, path)?;
    let protocol_report = |assignment, plan_result, files: &mut Vec<PathBuf>| {
        let model = protocol_model(
            plan,
            path,
            warnings.clone(),
            inputs.clone(),
            assignment,
            plan_result,
        );
        files.extend(write_atomically(
            &report_dir,
            &renamed(&model, plan, "protocol"),
        )?);
        Ok::<_, Error>(model)
    };
    if lifecycle::awaiting_outcome_data(plan).is_some() {
        let model = protocol_report(assignment, plan_result, &mut files)?;
        if scope == Scope::ReportOnly {
            return Err(Error::ProtocolReportOnly {
                source: Box::new(awaiting_error(plan)),
                report_dir,
            });
        }
        return Ok(RunOutput {
            report_dir,
            files,
            model,
        });
    }
    if let Some(synth) = synthetic_control(plan) {
        let result = match synth {
            Ok(result) => result,
            Err(error) => {
                protocol_report(assignment, plan_result, &mut files)?;
                return Err(Error::ProtocolReportOnly {
                    source: Box::new(error),
                    report_dir,
                });
            }
        };
        let grade = crate::evidence::synth::grade(plan, Some(&result));
        let mut model = report::model::build(plan, None, grade, warnings, inputs, assignment);
        report::synth::attach(&mut model, result, plan);
        model.plan = plan_result;
        let rendered = report::render(&model, &plan.report);
        files.extend(write_atomically(&report_dir, &rendered)?);
        return Ok(RunOutput {
            report_dir,
            files,
            model,
        });
    }
    let (analysis, grade) = match analyse_and_grade(plan) {
        Ok(done) => done,
        Err(error @ (Error::Analysis(_) | Error::Data(_))) => {
            protocol_report(assignment, plan_result, &mut files)?;
            return Err(Error::ProtocolReportOnly {
                source: Box::new(error),
                report_dir,
            });
        }
        Err(error) => return Err(error),
    };
    let planned_vs_achieved = match &analysis {
        // A stepped wedge's plan is in clusters and cluster-periods, which the
        // planned-against-achieved comparison of arm designs does not read.
        Some(analysis)
            if plan.power.is_some()
                && plan.design.kind() != crate::spec::DesignKind::SteppedWedge =>
        {
            let icc = crate::analysis::icc::observed_icc(plan)?;
            lifecycle::compare(plan, analysis, icc.as_ref())
        }
        _ => None,
    };
    let mut model = report::model::build(plan, analysis, grade, warnings, inputs, assignment);
    model.plan = plan_result;
    model.planned_vs_achieved = planned_vs_achieved;
    let rendered = report::render(&model, &plan.report);
    files.extend(write_atomically(&report_dir, &rendered)?);
    Ok(RunOutput {
        report_dir,
        files,
        model,
    })
}

/// The protocol report's model: the plan, the allocation and the level of evidence
/// the design can reach, with no results.
fn protocol_model(
    plan: &Plan,
    spec_path: &Path,
    warnings: Vec<String>,
    inputs: Vec<(String, Vec<u8>)>,
    assignment: Option<AssignmentReport>,
    plan_result: Option<PlanResult>,
) -> ReportModel {
    let mut grade = grade(plan, None);
    let waiting = lifecycle::awaiting_outcome_data(plan).map(|p| shown_path(p, spec_path));
    let why_no_data = match &waiting {
        Some(data) => format!("waiting for outcome data: {data} does not exist yet"),
        None => "the analysis could not run on the outcome data".to_string(),
    };
    // The grade without data reads as if the spec had no analysis; here it has one.
    for criterion in grade.criteria.iter_mut().filter(|c| c.id == "outcome_data") {
        let rule =
            "Level 2 needs outcome data on participants: the file analysis.data names, analysed.";
        if let Some(needs) = grade.next_level_needs.as_mut() {
            *needs = needs.replace(&criterion.rule, rule);
        }
        criterion.observed = why_no_data.clone();
        criterion.rule = rule.into();
    }
    let protocol = lifecycle::prospect(plan, waiting.clone());
    let mut model = report::model::build(plan, None, grade, warnings, inputs, assignment);
    model.headline = format!("Protocol: {why_no_data}. {}", protocol.summary);
    model.plan = plan_result;
    model.protocol = Some(protocol);
    model
}

/// The rendered report with its files named `<stem>.json`, `<stem>.md`, ... instead of
/// `report.*` (the charts keep their names).
fn renamed(model: &ReportModel, plan: &Plan, stem: &str) -> Vec<RenderedFile> {
    report::render(model, &plan.report)
        .into_iter()
        .map(|mut file| {
            if let Some(rest) = file.name.strip_prefix("report.") {
                file.name = format!("{stem}.{rest}");
            }
            file
        })
        .collect()
}

/// A path as readers see it: relative to the spec's directory when it lies inside it.
fn shown_path(path: &Path, spec_path: &Path) -> String {
    let base = spec_path.parent().unwrap_or(Path::new(""));
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The error for a plan whose outcome data do not exist yet.
fn awaiting_error(plan: &Plan) -> Error {
    Error::AwaitingOutcomeData {
        path: lifecycle::awaiting_outcome_data(plan)
            .map(Path::to_path_buf)
            .unwrap_or_default(),
    }
}

/// The allocation already on disk, verified against its manifest, for a report that
/// skips the assign stage; `None` when there is none yet.
fn existing_assignment(plan: &Plan) -> Result<Option<AssignmentReport>, Error> {
    let Some(assignment) = &plan.assignment else {
        return Ok(None);
    };
    if !assignment.manifest_path().exists() {
        return Ok(None);
    }
    let verification = assign::verify(plan)?;
    if !verification.verified {
        return Err(Error::NotVerified {
            failed: failed_checks(&verification),
        });
    }
    Ok(verification.report)
}

/// The checks of a verification that failed, in words.
pub fn failed_checks(verification: &assign::Verification) -> Vec<String> {
    verification
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| format!("{}: recorded {}, found {}", c.what, c.recorded, c.found))
        .collect()
}

/// Runs the plan stage when the spec declares one (`design.power`).
pub fn run_plan_stage(
    plan: &Plan,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<Option<PlanResult>, Error> {
    match &plan.power {
        Some(power) => Ok(Some(run_plan(power, progress)?)),
        None => Ok(None),
    }
}

/// `evident plan`: runs the plan stage alone and writes the plan report (plan.json,
/// plan.md, plan.html and the charts) into the report directory. The plan report is
/// the report model with the plan section and no results.
pub fn plan_only(
    path: &Path,
    out_dir: Option<&Path>,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<RunOutput, Error> {
    let checked = check(path)?;
    let plan = &checked.plan;
    let Some(result) = run_plan_stage(plan, progress)? else {
        return Err(Error::StageNotDeclared {
            stage: Stage::Plan.name(),
            spec_key: Stage::Plan.spec_key(),
        });
    };
    let warnings = checked.warnings.iter().map(|w| w.message.clone()).collect();
    let grade = grade(plan, None);
    let mut model = report::model::build(plan, None, grade, warnings, Vec::new(), None);
    model.headline = format!("Plan: {}", result.answers[0].sentence());
    model.reproducibility.command = format!("evident plan {}", plan.source.spec_path);
    model.plan = Some(result);
    let waiting = lifecycle::awaiting_outcome_data(plan).map(|p| shown_path(p, path));
    model.protocol = Some(lifecycle::prospect(plan, waiting));
    let rendered = renamed(&model, plan, "plan");
    let report_dir = out_dir
        .map(Path::to_path_buf)
        .unwrap_or_else(|| plan.report.dir.clone());
    let files = write_atomically(&report_dir, &rendered)?;
    Ok(RunOutput {
        report_dir,
        files,
        model,
    })
}

/// Runs the analyse and grade stages without writing anything.
pub fn analyse_and_grade(plan: &Plan) -> Result<(Option<Analysis>, Grade), Error> {
    if lifecycle::awaiting_outcome_data(plan).is_some() {
        return Err(awaiting_error(plan));
    }
    if let Some(result) = synthetic_control(plan) {
        let result = result?;
        return Ok((None, crate::evidence::synth::grade(plan, Some(&result))));
    }
    let analysis = analyse(plan)?;
    let grade = grade(plan, analysis.as_ref());
    Ok((analysis, grade))
}

/// The synthetic-control analysis, for specs of that design (`None` for others).
pub fn synthetic_control(plan: &Plan) -> Option<Result<crate::designs::synth::SynthResult, Error>> {
    crate::designs::synth::analyse_plan(plan)
        .map_err(|e| Error::Analysis(e.into()))
        .transpose()
}

fn input_files(plan: &Plan, spec_path: &Path) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let base = spec_path.parent().unwrap_or(Path::new(""));
    let mut paths: Vec<&Path> = Vec::new();
    if let Some(units) = &plan.units {
        paths.push(&units.file);
    }
    if let Some(analysis) = plan.analysis.as_ref().filter(|a| a.data.exists()) {
        paths.push(&analysis.data);
    }
    if let crate::spec::Design::SyntheticControl { panel, .. } = &plan.design {
        paths.push(panel);
    }
    paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(p).map_err(|source| crate::data::DataError::Read {
                path: p.to_path_buf(),
                source,
            })?;
            let shown = p.strip_prefix(base).unwrap_or(p).display().to_string();
            Ok((shown, bytes))
        })
        .collect()
}

/// Writes every file to a temporary name first, then renames them into place, so a
/// failure leaves the previous report as it was and no half-written file behind.
pub fn write_atomically(dir: &Path, files: &[RenderedFile]) -> Result<Vec<PathBuf>, Error> {
    write_parts_atomically(
        dir,
        files
            .iter()
            .map(|f| {
                (
                    f.name.as_str(),
                    vec![std::borrow::Cow::Borrowed(f.bytes.as_slice())],
                )
            })
            .collect(),
    )
}

/// [`write_atomically`] for files given as parts, each file the concatenation of
/// its parts: written one after the other (never joined in memory), each part
/// dropped once written (an owned part's memory goes back as the file grows).
pub fn write_parts_atomically(
    dir: &Path,
    files: Vec<(&str, Vec<std::borrow::Cow<'_, [u8]>>)>,
) -> Result<Vec<PathBuf>, Error> {
    let names: Vec<&str> = files.iter().map(|(name, _)| *name).collect();
    write_streams_atomically(dir, &names, |open| {
        use std::io::Write;
        for (index, (_, parts)) in files.into_iter().enumerate() {
            for part in parts {
                open[index].write_all(&part).map_err(|e| (index, e))?;
            }
        }
        Ok(())
    })
}

/// [`write_atomically`] for files made while they are written: `produce` is given
/// one open (temporary) file per name, in the order of `names`, and returns the
/// position of the file behind an error. Every file is renamed into place only
/// when `produce` succeeds; otherwise every temporary is removed.
pub fn write_streams_atomically<F>(
    dir: &Path,
    names: &[&str],
    produce: F,
) -> Result<Vec<PathBuf>, Error>
where
    F: FnOnce(&mut [std::fs::File]) -> Result<(), (usize, std::io::Error)>,
{
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    remove_stale_temporaries(dir);
    let temporaries: Vec<PathBuf> = names
        .iter()
        .map(|name| dir.join(format!(".{}.{}.tmp", name, std::process::id())))
        .collect();
    let remove_all = || {
        for t in &temporaries {
            let _ = std::fs::remove_file(t);
        }
    };
    let mut open = Vec::with_capacity(names.len());
    for temporary in &temporaries {
        match std::fs::File::create(temporary) {
            Ok(file) => open.push(file),
            Err(source) => {
                remove_all();
                return Err(Error::Write {
                    path: temporary.clone(),
                    source,
                });
            }
        }
    }
    if let Err((index, source)) = produce(&mut open) {
        drop(open);
        remove_all();
        return Err(Error::Write {
            path: temporaries
                .get(index)
                .cloned()
                .unwrap_or_else(|| dir.to_path_buf()),
            source,
        });
    }
    drop(open);
    let mut written = Vec::with_capacity(names.len());
    for (temporary, name) in temporaries.iter().zip(names) {
        let target = dir.join(name);
        std::fs::rename(temporary, &target).map_err(|source| Error::Write {
            path: target.clone(),
            source,
        })?;
        written.push(target);
    }
    Ok(written)
}

/// Removes the temporary files (`.<name>.<pid>.tmp`) that a run killed while
/// writing left in `dir`, leaving those of a run still going (its process is alive).
/// Best effort: a file that cannot be removed is left for the next run.
pub fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temporary_owner) else {
            continue;
        };
        if pid != std::process::id() && !process_alive(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The process id in a temporary file name `.<name>.<pid>.tmp`.
fn temporary_owner(name: &str) -> Option<u32> {
    let inner = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (stem, pid) = inner.rsplit_once('.')?;
    if stem.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// Whether a process with this id exists (signal 0 checks without sending anything).
#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill with signal 0 performs only the existence and permission check.
    let status = unsafe { libc::kill(pid, 0) };
    status == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Without a portable existence check, a temporary file is treated as a live run's.
#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
}

#[cfg(test)]
mod temporary_tests {
    use super::*;

    #[test]
    fn temporary_names_give_their_process() {
        assert_eq!(temporary_owner(".report.json.123.tmp"), Some(123));
        assert_eq!(temporary_owner(".assignments.csv.9.tmp"), Some(9));
        assert_eq!(temporary_owner("report.json.123.tmp"), None);
        assert_eq!(temporary_owner(".report.json.tmp"), None);
        assert_eq!(temporary_owner(".report.json.12a.tmp"), None);
    }
}
