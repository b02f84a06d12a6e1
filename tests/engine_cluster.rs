//! The engines of the `cluster` feature against the in-memory path: `evident regress
//! --engine datafusion` and `--engine ballista://127.0.0.1:PORT` (a Ballista
//! scheduler and two executors started here as processes on free localhost ports)
//! give the same lm_robust (classical, HC0–HC3, CR0–CR2) and difference in means
//! (standard and clustered) as in memory, to 1e-10 relative, on Parquet copies of
//! the example data; one executor killed mid-query leaves the other to finish the
//! same fit; and bad input (an unreachable scheduler, every executor killed
//! mid-query, a text column used as numbers, a truncated file) ends in one line
//! naming the endpoint, file or column, a non-zero exit and nothing on stdout.
#![cfg(feature = "cluster")]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use evident::stats::prec::assert_close;
use serde_json::Value;

/// Set in the environment of a child process of this test binary that is to be a
/// Ballista node rather than run tests: `scheduler` or `executor:PORT`.
const NODE_ROLE: &str = "EVIDENT_TEST_BALLISTA_NODE";

/// Not a test: in a child process with [`NODE_ROLE`] set, this test binary becomes
/// a Ballista scheduler (printing `SCHEDULER PORT n`) or an executor of the
/// scheduler on that port, through the crates' library APIs, and serves until
/// killed. In the test run itself it returns at once.
#[test]
fn ballista_node() {
    let Ok(role) = std::env::var(NODE_ROLE) else {
        return;
    };
    // The test process holds our stdin: when it ends (even without dropping its
    // cluster, a static), stdin reaches end of file and the node stops.
    std::thread::spawn(|| {
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
        std::process::exit(0);
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        if role == "scheduler" {
            let address = fail_fast_scheduler().await;
            println!("SCHEDULER PORT {}", address.port());
        } else {
            let port = role.strip_prefix("executor:").expect("executor:PORT");
            let url = format!("http://localhost:{port}");
            let scheduler = loop {
                match ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient::connect(url.clone()).await {
                    Ok(client) => break client,
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            };
            ballista_executor::new_standalone_executor(
                scheduler,
                2,
                ballista_core::serde::BallistaCodec::default(),
            )
            .await
            .expect("the executor starts");
            println!("EXECUTOR READY");
        }
        use std::io::Write;
        std::io::stdout().flush().unwrap();
        loop {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    });
}

/// A scheduler like Ballista's standalone one but configured as a deployment that
/// must notice a lost executor quickly: an executor silent for 10 s (its polls for
/// work are its heartbeat, several a second) is expired and its tasks run again
/// elsewhere, where the default waits 180 s. Without it the test of a killed
/// executor would take minutes.
async fn fail_fast_scheduler() -> std::net::SocketAddr {
    use ballista_core::serde::protobuf::scheduler_grpc_server::SchedulerGrpcServer;
    use ballista_core::utils::{
        GrpcServerConfig, create_grpc_server, default_config_producer, default_session_builder,
    };
    use ballista_scheduler::config::SchedulerConfig;
    use ballista_scheduler::scheduler_server::SchedulerServer;
    use std::sync::Arc;

    let mut config = SchedulerConfig::default()
        .with_scheduler_policy(ballista_core::config::TaskSchedulingPolicy::PullStaged);
    config.executor_timeout_seconds = 10;
    config.expire_dead_executor_interval_seconds = 1;
    config.no_executors_grace_period_seconds = 10;
    let cluster = ballista_scheduler::cluster::BallistaCluster::new_memory(
        "localhost:50050",
        Arc::new(default_session_builder),
        Arc::new(default_config_producer),
    );
    let codec: ballista_core::serde::BallistaCodec = Default::default();
    let mut server: SchedulerServer<_, _> = SchedulerServer::new(
        "localhost:50050".to_owned(),
        cluster,
        codec,
        Arc::new(config),
        ballista_scheduler::metrics::default_metrics_collector().unwrap(),
    );
    server.init().await.expect("the scheduler starts");
    let listener = tokio::net::TcpListener::bind("localhost:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(
        create_grpc_server(&GrpcServerConfig::default())
            .add_service(SchedulerGrpcServer::new(server))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    address
}

/// A scheduler and two executors, killed when dropped.
struct Cluster {
    port: u16,
    scheduler: Child,
    executors: Vec<Child>,
}

impl Cluster {
    fn start() -> Cluster {
        let (scheduler, line) = node("scheduler", "SCHEDULER PORT ");
        let port: u16 = line.trim().parse().expect("a port");
        let executors = (0..2)
            .map(|_| node(&format!("executor:{port}"), "EXECUTOR READY").0)
            .collect();
        // Executors register with their first poll; give them a moment.
        std::thread::sleep(Duration::from_millis(500));
        Cluster {
            port,
            scheduler,
            executors,
        }
    }

    fn engine(&self) -> String {
        format!("ballista://127.0.0.1:{}", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for child in self.executors.iter_mut().chain([&mut self.scheduler]) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts this test binary as a Ballista node; returns it and the rest of the
/// first stdout line starting with `marker`.
fn node(role: &str, marker: &str) -> (Child, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "ballista_node",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(NODE_ROLE, role)
        .env("RUST_LOG", "off")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the test binary starts again");
    let stdout = child.stdout.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    let marker = marker.to_string();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            // libtest prints `test ballista_node ... ` before the node's own output,
            // on the same line, so the marker is searched for, not expected first.
            if let Some(at) = line.find(&marker) {
                let _ = sender.send(line[at + marker.len()..].to_string());
            }
        }
    });
    let rest = receiver
        .recv_timeout(Duration::from_secs(120))
        .unwrap_or_else(|_| panic!("the Ballista {role} did not start"));
    (child, rest)
}

/// One cluster for the whole test binary (tests share it; one test starts its own
/// to kill an executor).
fn shared_cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(Cluster::start)
}

fn evident() -> Command {
    Command::new(env!("CARGO_BIN_EXE_evident"))
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let output = evident().args(args).output().unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn json(args: &[&str]) -> Value {
    let out = run(args);
    assert_eq!(out.code, Some(0), "{args:?}: {}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

/// Every number in `a` equals the one in `b` to `tolerance` relative; everything
/// else equal.
fn close(a: &Value, b: &Value, tolerance: f64, at: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            assert_close(x.as_f64().unwrap(), y.as_f64().unwrap(), tolerance, at)
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}");
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                close(x, y, tolerance, &format!("{at}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(
                x.keys().collect::<Vec<_>>(),
                y.keys().collect::<Vec<_>>(),
                "{at}"
            );
            for (key, x) in x {
                close(x, &y[key], tolerance, &format!("{at}.{key}"));
            }
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

/// A CSV as an Arrow batch: a column of numbers (empty = missing) is Float64,
/// anything else text.
fn batch_of_csv(csv: &Path) -> RecordBatch {
    let mut reader = csv::Reader::from_path(csv).unwrap();
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let columns: Vec<(String, Vec<String>)> = headers
        .iter()
        .enumerate()
        .map(|(j, h)| (h.clone(), rows.iter().map(|r| r[j].clone()).collect()))
        .collect();
    batch_of_columns(&columns)
}

fn batch_of_columns(columns: &[(String, Vec<String>)]) -> RecordBatch {
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (name, values) in columns {
        let numbers: Option<Vec<Option<f64>>> = values
            .iter()
            .map(|v| {
                if v.is_empty() {
                    Some(None)
                } else {
                    v.parse::<f64>().ok().map(Some)
                }
            })
            .collect();
        match numbers {
            Some(numbers) => {
                fields.push(Field::new(name, DataType::Float64, true));
                arrays.push(Arc::new(Float64Array::from(numbers)));
            }
            None => {
                fields.push(Field::new(name, DataType::Utf8, true));
                arrays.push(Arc::new(StringArray::from(values.clone())));
            }
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).unwrap()
}

fn write_parquet(batch: &RecordBatch, path: &Path, rows_per_group: usize) {
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(rows_per_group))
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(properties)).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
}

/// Parquet copies of the example data (row groups of 100 rows), made once, plus
/// the ward-falls outcomes joined to their wards and arms.
fn examples() -> &'static HashMap<&'static str, PathBuf> {
    static EXAMPLES: OnceLock<(tempfile::TempDir, HashMap<&'static str, PathBuf>)> =
        OnceLock::new();
    &EXAMPLES
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
            let mut files = HashMap::new();
            for (name, csv) in [
                ("young_people", "neet-early-warning/data/young_people.csv"),
                ("households", "fire-safety-visits/data/households.csv"),
                ("inspections", "hmo-inspections/data/inspections.csv"),
                ("properties", "hmo-inspections/data/properties.csv"),
            ] {
                let path = dir.path().join(format!("{name}.parquet"));
                write_parquet(&batch_of_csv(&root.join(csv)), &path, 100);
                files.insert(name, path);
            }
            let path = dir.path().join("falls_by_ward.parquet");
            write_parquet(
                &falls_by_ward(&root.join("ward-falls-alert/data")),
                &path,
                100,
            );
            files.insert("falls_by_ward", path);
            (dir, files)
        })
        .1
}

/// falls.csv with each patient's ward and a 0/1 `alert` arm from patients.csv
/// (wards were randomised: a clustered design).
fn falls_by_ward(dir: &Path) -> RecordBatch {
    let mut patients = csv::Reader::from_path(dir.join("patients.csv")).unwrap();
    let wards: HashMap<String, (String, String)> = patients
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), (r[1].to_string(), r[2].to_string()))
        })
        .collect();
    let mut falls = csv::Reader::from_path(dir.join("falls.csv")).unwrap();
    let mut columns: Vec<(String, Vec<String>)> = ["fell", "age", "high_risk", "ward", "alert"]
        .iter()
        .map(|n| (n.to_string(), Vec::new()))
        .collect();
    for record in falls.records() {
        let r = record.unwrap();
        let (ward, arm) = &wards[&r[0]];
        columns[0].1.push(r[1].to_string());
        columns[1].1.push(r[2].to_string());
        columns[2].1.push(r[3].to_string());
        columns[3].1.push(ward.clone());
        columns[4]
            .1
            .push(if arm == "alert" { "1" } else { "0" }.to_string());
    }
    batch_of_columns(&columns)
}

fn data(name: &str) -> String {
    examples()[name].to_string_lossy().into_owned()
}

/// The example regressions: (file, outcome, covariates, clusters).
fn regressions() -> Vec<(
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
)> {
    vec![
        (
            "young_people",
            "attainment_points",
            "age_at_flag,female,free_school_meals,special_needs,attendance_pct,prior_exclusions",
            None,
        ),
        (
            "households",
            "risk_score",
            "oldest_occupant_age,lives_alone,prior_incidents",
            Some("station"),
        ),
        (
            "inspections",
            "days_to_inspection",
            "risk_score,prior_complaints",
            None,
        ),
        ("falls_by_ward", "fell", "alert,age,high_risk", Some("ward")),
    ]
}

/// Every example regression, with every variance type the data allow, on `engine`
/// equals the in-memory fit to 1e-10 relative (every number of the JSON output).
fn regressions_match(engine: &str) {
    for (file, outcome, covariates, clusters) in regressions() {
        let path = data(file);
        let se_types: &[&str] = if clusters.is_some() {
            &["CR0", "CR1", "CR2"]
        } else {
            &["classical", "HC0", "HC1", "HC2", "HC3"]
        };
        for &se_type in se_types {
            for no_intercept in [false, true] {
                let mut args: Vec<&str> = vec![
                    "regress",
                    "--data",
                    &path,
                    "--outcome",
                    outcome,
                    "--covariates",
                    covariates,
                    "--se-type",
                    se_type,
                    "--drop-missing",
                    "--json",
                ];
                if let Some(c) = clusters {
                    args.extend(["--clusters", c]);
                }
                if no_intercept {
                    args.push("--no-intercept");
                }
                let memory = json(&args);
                args.extend(["--engine", engine]);
                let on_engine = json(&args);
                close(
                    &on_engine,
                    &memory,
                    1e-10,
                    &format!("{engine} {file} {se_type} no_intercept={no_intercept}"),
                );
            }
        }
    }
}

/// The standard and clustered differences in means on `engine` equal memory's.
fn dims_match(engine: &str) {
    let cases: [(&str, &str, &str, Option<&str>); 3] = [
        ("falls_by_ward", "fell", "alert", Some("ward")),
        ("falls_by_ward", "age", "high_risk", None),
        ("young_people", "attainment_points", "female", None),
    ];
    for (file, outcome, treatment, clusters) in cases {
        let path = data(file);
        let mut args: Vec<&str> = vec![
            "test",
            "dim",
            "--data",
            &path,
            "--outcome",
            outcome,
            "--treatment",
            treatment,
            "--drop-missing",
            "--json",
        ];
        if let Some(c) = clusters {
            args.extend(["--clusters", c]);
        }
        let memory = json(&args);
        args.extend(["--engine", engine]);
        let on_engine = json(&args);
        close(
            &on_engine,
            &memory,
            1e-10,
            &format!("{engine} dim {file} {outcome}"),
        );
    }
}

#[test]
fn datafusion_regressions_equal_memory() {
    regressions_match("datafusion");
}

#[test]
fn datafusion_differences_in_means_equal_memory() {
    dims_match("datafusion");
}

#[test]
fn ballista_regressions_equal_memory() {
    regressions_match(&shared_cluster().engine());
}

#[test]
fn ballista_differences_in_means_equal_memory() {
    dims_match(&shared_cluster().engine());
}

#[test]
fn datafusion_gives_the_same_bytes_every_run() {
    let path = data("households");
    let args: [&str; 12] = [
        "regress",
        "--data",
        &path,
        "--outcome",
        "risk_score",
        "--covariates",
        "oldest_occupant_age,lives_alone",
        "--clusters",
        "station",
        "--json",
        "--engine",
        "datafusion",
    ];
    let first = run(&args);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    for _ in 0..3 {
        assert_eq!(run(&args).stdout, first.stdout);
    }
}

/// One line on stderr naming `names`, a failure exit, nothing on stdout.
fn refused(out: &Run, names: &[&str], code: i32) {
    assert_eq!(out.code, Some(code), "stderr: {}", out.stderr);
    assert!(out.stdout.is_empty(), "stdout: {}", out.stdout);
    let first = out.stderr.lines().next().unwrap_or_default();
    assert!(first.starts_with("error: "), "{}", out.stderr);
    for name in names {
        assert!(first.contains(name), "`{name}` not in: {first}");
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn an_unreachable_scheduler_is_named() {
    let engine = format!("ballista://127.0.0.1:{}", free_port());
    let endpoint = engine.trim_start_matches("ballista://").to_string();
    let path = data("inspections");
    let started = Instant::now();
    let out = run(&[
        "regress",
        "--data",
        &path,
        "--outcome",
        "days_to_inspection",
        "--covariates",
        "risk_score",
        "--engine",
        &engine,
    ]);
    refused(&out, &[endpoint.as_str(), "Ballista"], 1);
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn a_text_column_used_as_numbers_names_file_and_column() {
    let path = data("properties");
    // Ballista (shared_cluster().engine()) belongs here too once its runs pass.
    {
        let engine = "datafusion".to_string();
        let out = run(&[
            "regress",
            "--data",
            &path,
            "--outcome",
            "risk_score",
            "--covariates",
            "prior_complaints,ward",
            "--engine",
            &engine,
        ]);
        refused(&out, &["properties.parquet", "`ward`", "Utf8"], 2);
    }
}

#[test]
fn missing_truncated_and_non_parquet_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(data("inspections")).unwrap();
    let truncated = dir.path().join("truncated.parquet");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let csv =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/hmo-inspections/data/inspections.csv");
    for (path, names) in [
        (truncated.clone(), vec!["truncated.parquet", "Parquet"]),
        (
            dir.path().join("absent.parquet"),
            vec!["absent.parquet", "no such file"],
        ),
        (csv, vec!["inspections.csv", "Parquet files only"]),
    ] {
        let path = path.to_string_lossy().into_owned();
        let out = run(&[
            "regress",
            "--data",
            &path,
            "--outcome",
            "days_to_inspection",
            "--covariates",
            "risk_score",
            "--engine",
            "datafusion",
        ]);
        refused(&out, &names, 2);
    }
    let out = run(&[
        "regress",
        "--data",
        &data("inspections"),
        "--outcome",
        "days_to_inspection",
        "--covariates",
        "risk_score,not_a_column",
        "--engine",
        "datafusion",
    ]);
    refused(&out, &["inspections.parquet", "`not_a_column`"], 2);
}

#[test]
fn what_the_engines_do_not_fit_is_refused() {
    let path = data("inspections");
    let out = run(&[
        "regress",
        "--data",
        &path,
        "--outcome",
        "licensable_found",
        "--covariates",
        "risk_score",
        "--logistic",
        "--engine",
        "datafusion",
    ]);
    refused(&out, &["--engine datafusion", "--logistic"], 2);
    let out = run(&[
        "regress",
        "--data",
        &path,
        "--outcome",
        "days_to_inspection",
        "--engine",
        "spark://x",
    ]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("spark://x"), "{}", out.stderr);
}

/// A large file (2,000,000 rows in 40 row groups) so that a query runs long
/// enough to lose an executor half-way.
fn large_file(dir: &Path) -> PathBuf {
    let n = 2_000_000;
    let mut state = 0x9E37_79B9_u64;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let x: Vec<f64> = (0..n).map(|_| uniform()).collect();
    let y: Vec<f64> = x.iter().map(|v| 1.0 + 2.0 * v + uniform()).collect();
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("y", DataType::Float64, false),
            Field::new("x", DataType::Float64, false),
        ])),
        vec![
            Arc::new(Float64Array::from(y)) as ArrayRef,
            Arc::new(Float64Array::from(x)),
        ],
    )
    .unwrap();
    let path = dir.join("large.parquet");
    write_parquet(&batch, &path, 50_000);
    path
}

/// Starts `evident regress` of y on x from `path` on `engine`, kills `victims` of
/// the cluster's executors once the fit has run for a while (checking it is still
/// running then, so the kill lands mid-query) and returns how the fit ended.
fn kill_mid_query(cluster: &mut Cluster, victims: usize, path: &str, engine: &str) -> Run {
    let mut child = evident()
        .args([
            "regress",
            "--data",
            path,
            "--outcome",
            "y",
            "--covariates",
            "x",
            "--json",
            "--engine",
            engine,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the fit ended before the executors were killed: make the file larger"
    );
    for mut victim in cluster.executors.drain(..victims) {
        victim.kill().unwrap();
        victim.wait().unwrap();
    }
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn one_executor_killed_mid_query_leaves_the_other_to_finish_the_fit() {
    let dir = tempfile::tempdir().unwrap();
    let path = large_file(dir.path()).to_string_lossy().into_owned();
    let mut cluster = Cluster::start();
    let engine = cluster.engine();
    let out = kill_mid_query(&mut cluster, 1, &path, &engine);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let memory = json(&[
        "regress",
        "--data",
        &path,
        "--outcome",
        "y",
        "--covariates",
        "x",
        "--json",
    ]);
    close(
        &serde_json::from_str(&out.stdout).unwrap(),
        &memory,
        1e-10,
        "fit",
    );
}

#[test]
fn every_executor_killed_mid_query_ends_the_fit_naming_the_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let path = large_file(dir.path()).to_string_lossy().into_owned();
    let mut cluster = Cluster::start();
    let engine = format!("{}?timeout=30", cluster.engine());
    let endpoint = cluster
        .engine()
        .trim_start_matches("ballista://")
        .to_string();
    let started = Instant::now();
    let out = kill_mid_query(&mut cluster, 2, &path, &engine);
    refused(&out, &[endpoint.as_str()], 1);
    // The scheduler gives up 10 s after losing its last executor; the 30 s timeout
    // asked for is the bound if it did not.
    assert!(started.elapsed() < Duration::from_secs(40));
}

// ---- The analyse stage on an engine (`analysis.engine`) ----

/// `data` (a CSV whose first column is the unit id) with the columns `take` of
/// `units` (a CSV whose first column is the same id) appended, written to `dir` as
/// `name.csv` and `name.parquet`.
fn joined_to_units(
    data: &Path,
    units: &Path,
    take: &[&str],
    dir: &Path,
    name: &str,
) -> (PathBuf, PathBuf) {
    let mut reader = csv::Reader::from_path(units).unwrap();
    let headers = reader.headers().unwrap().clone();
    let wanted: Vec<usize> = take
        .iter()
        .map(|t| headers.iter().position(|h| h == *t).unwrap())
        .collect();
    let of_unit: HashMap<String, Vec<String>> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[0].to_string(),
                wanted.iter().map(|&j| r[j].to_string()).collect(),
            )
        })
        .collect();
    let mut reader = csv::Reader::from_path(data).unwrap();
    let mut columns: Vec<(String, Vec<String>)> = reader
        .headers()
        .unwrap()
        .iter()
        .chain(take.iter().copied())
        .map(|h| (h.to_string(), Vec::new()))
        .collect();
    for record in reader.records() {
        let record = record.unwrap();
        let extra = &of_unit[&record[0]];
        for (j, value) in record
            .iter()
            .chain(extra.iter().map(String::as_str))
            .enumerate()
        {
            columns[j].1.push(value.to_string());
        }
    }
    let csv_path = dir.join(format!("{name}.csv"));
    let mut writer = csv::Writer::from_path(&csv_path).unwrap();
    writer
        .write_record(columns.iter().map(|(h, _)| h.as_str()))
        .unwrap();
    for row in 0..columns[0].1.len() {
        writer
            .write_record(columns.iter().map(|(_, v)| v[row].as_str()))
            .unwrap();
    }
    writer.flush().unwrap();
    let parquet_path = dir.join(format!("{name}.parquet"));
    write_parquet(&batch_of_columns(&columns), &parquet_path, 100);
    (csv_path, parquet_path)
}

/// An example's study.json analysing `data` (its arm in column `arm`), with
/// randomisation inference off, the units file at its absolute path, `engine`
/// when given and `tweak` applied, written to `dir/name.json`.
fn analysis_spec(
    example: &str,
    data: &Path,
    engine: Option<&str>,
    dir: &Path,
    name: &str,
    tweak: impl Fn(&mut Value),
) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("specs")
        .join(example);
    let mut spec: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("study.json")).unwrap()).unwrap();
    let units = spec["design"]["units"]["file"]
        .as_str()
        .unwrap()
        .to_string();
    spec["design"]["units"]["file"] = Value::from(root.join(units).to_string_lossy().as_ref());
    let analysis = spec["analysis"].as_object_mut().unwrap();
    analysis.insert("data".into(), Value::from(data.to_string_lossy().as_ref()));
    analysis.insert("treatment".into(), Value::from("arm"));
    analysis.insert(
        "randomisation_inference".into(),
        serde_json::json!({ "enabled": false }),
    );
    if let Some(engine) = engine {
        analysis.insert("engine".into(), Value::from(engine));
    }
    spec["report"]["dir"] = Value::from(dir.join("report").to_string_lossy().as_ref());
    if let Some(lock) = spec["evidence"]["lock"].as_str().map(str::to_string) {
        spec["evidence"]["lock"] = Value::from(root.join(lock).to_string_lossy().as_ref());
    }
    tweak(&mut spec);
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&spec).unwrap()).unwrap();
    path
}

/// The HMO trial (two outcomes, difference in means and regression adjustment)
/// and the ward-falls cluster trial (binary outcome, missing covariates, listwise,
/// CR2), each on its data with the arm (and ward) written in.
fn engine_studies(dir: &Path) -> Vec<(&'static str, PathBuf, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let (hmo_csv, hmo_parquet) = joined_to_units(
        &root.join("hmo-inspections/data/inspections.csv"),
        &root.join("hmo-inspections/data/properties.csv"),
        &["arm"],
        dir,
        "inspections_with_arm",
    );
    let (falls_csv, falls_parquet) = joined_to_units(
        &root.join("ward-falls-alert/data/falls.csv"),
        &root.join("ward-falls-alert/data/patients.csv"),
        &["ward", "arm"],
        dir,
        "falls_with_arm",
    );
    let with_both_estimators = |spec: &mut Value| {
        spec["analysis"]["estimators"] =
            serde_json::json!(["difference_in_means", "regression_adjusted"]);
    };
    vec![
        (
            "hmo",
            analysis_spec(
                "hmo-inspections",
                &hmo_csv,
                None,
                dir,
                "hmo_memory",
                with_both_estimators,
            ),
            hmo_parquet,
        ),
        (
            "falls",
            analysis_spec(
                "ward-falls-alert",
                &falls_csv,
                None,
                dir,
                "falls_memory",
                with_both_estimators,
            ),
            falls_parquet,
        ),
    ]
}

/// `evident analyse --json` of the spec with `analysis.engine` set to `engine`
/// equals memory's on the CSV: every number of every comparison (estimates, SEs,
/// CIs, p-values, adjusted p-values, groups' n, means and SDs, risk and odds
/// ratios), the flow's rows, exclusions and analysed counts, and the baseline
/// balance, to 1e-10 relative.
fn analyses_match(engine: &str) {
    let dir = tempfile::tempdir().unwrap();
    for (name, memory_spec, parquet) in engine_studies(dir.path()) {
        let spec: Value =
            serde_json::from_str(&std::fs::read_to_string(&memory_spec).unwrap()).unwrap();
        let mut on_engine = spec.clone();
        on_engine["analysis"]["data"] = Value::from(parquet.to_string_lossy().as_ref());
        on_engine["analysis"]["engine"] = Value::from(engine);
        let engine_spec = dir.path().join(format!("{name}_engine.json"));
        std::fs::write(&engine_spec, on_engine.to_string()).unwrap();
        let memory = json(&["analyse", memory_spec.to_str().unwrap(), "--json"]);
        let remote = json(&["analyse", engine_spec.to_str().unwrap(), "--json"]);
        let (memory, remote) = (&memory["analysis"], &remote["analysis"]);
        close(
            &remote["outcomes"],
            &memory["outcomes"],
            1e-10,
            &format!("{engine} {name} outcomes"),
        );
        close(
            &remote["baseline"],
            &memory["baseline"],
            1e-10,
            &format!("{engine} {name} baseline"),
        );
        let arms = memory["flow"]["arms"].as_array().unwrap();
        assert_eq!(arms.len(), 2);
        for (i, arm) in arms.iter().enumerate() {
            let got = &remote["flow"]["arms"][i];
            for key in [
                "arm",
                "with_data",
                "excluded_missing",
                "excluded_by_column",
                "analysed",
                "clusters_analysed",
                "clusters_with_data",
            ] {
                assert_eq!(got[key], arm[key], "{engine} {name} flow arm {i} {key}");
            }
            // Allocation needs the join to the units file: not known on an engine.
            assert_eq!(got["allocated"], Value::Null);
            assert_eq!(got["lost_to_follow_up"], Value::Null);
        }
        assert!(
            memory["outcomes"][0]["comparisons"]
                .as_array()
                .unwrap()
                .len()
                == 2,
            "both estimators ran"
        );
        if engine == "datafusion" {
            let args = ["analyse", engine_spec.to_str().unwrap(), "--json"];
            assert_eq!(
                run(&args).stdout,
                run(&args).stdout,
                "{name}: the same bytes"
            );
        }
        // The report is written from the engine's analysis as from memory's.
        let out = dir.path().join(format!("{name}_report"));
        let written = run(&[
            "report",
            engine_spec.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(written.code, Some(0), "{engine} {name}: {}", written.stderr);
        let markdown = std::fs::read_to_string(out.join("report.md")).unwrap();
        assert!(
            markdown.contains("attrition are not known"),
            "{engine} {name}: the report says what the engine could not compute"
        );
    }
}

#[test]
fn datafusion_analyses_equal_memory() {
    analyses_match("datafusion");
}

#[test]
fn ballista_analyses_equal_memory() {
    analyses_match(&shared_cluster().engine());
}

/// What the analyse stage cannot do on an engine is refused at `check` (and so by
/// `analyse`, writing nothing), naming the key and why: an estimator that needs the
/// rows, randomisation inference left on, data that are not Parquet, arms joined
/// from the units file, declared blocks and a categorical covariate.
#[test]
fn what_the_analyse_stage_cannot_do_on_an_engine_is_refused_at_check() {
    let dir = tempfile::tempdir().unwrap();
    let studies = engine_studies(dir.path());
    let (_, memory_spec, parquet) = &studies[0];
    let base: Value = serde_json::from_str(&std::fs::read_to_string(memory_spec).unwrap()).unwrap();
    let csv = base["analysis"]["data"].as_str().unwrap().to_string();
    type Tweak = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Tweak, &[&str])> = vec![
        (
            "lin",
            Box::new(|s| {
                s["analysis"]["estimators"] = serde_json::json!(["difference_in_means", "lin"])
            }),
            &["analysis.estimators[1]", "needs the rows in memory"],
        ),
        (
            "ri",
            Box::new(|s| {
                s["analysis"]
                    .as_object_mut()
                    .unwrap()
                    .remove("randomisation_inference");
            }),
            &[
                "analysis.randomisation_inference",
                "set analysis.randomisation_inference.enabled to false",
            ],
        ),
        (
            "csv",
            Box::new(move |s| s["analysis"]["data"] = Value::from(csv.as_str())),
            &["analysis.data", "reads Parquet only"],
        ),
        (
            "units_arm",
            Box::new(|s| {
                s["analysis"].as_object_mut().unwrap().remove("treatment");
            }),
            &[
                "analysis.treatment",
                "the units file's column `arm`",
                "Write the arm into the data",
            ],
        ),
        (
            "blocks",
            Box::new(|s| s["analysis"]["blocks"] = serde_json::json!(["prior_complaints"])),
            &["analysis.blocks", "need the rows in memory"],
        ),
        (
            "categorical",
            Box::new(|s| {
                s["analysis"]["covariate_types"] =
                    serde_json::json!({ "prior_complaints": "categorical" })
            }),
            &[
                "analysis.covariate_types.prior_complaints",
                "numeric covariates only",
            ],
        ),
        (
            "received",
            Box::new(|s| s["analysis"]["received"] = Value::from("took_up")),
            &["analysis.received", "two-stage least squares"],
        ),
        (
            "bad_engine",
            Box::new(|s| s["analysis"]["engine"] = Value::from("ballista://host:port")),
            &["analysis.engine", "ballista://host:port"],
        ),
    ];
    for (name, tweak, names) in cases {
        let mut spec = base.clone();
        spec["analysis"]["data"] = Value::from(parquet.to_string_lossy().as_ref());
        spec["analysis"]["engine"] = Value::from("datafusion");
        tweak(&mut spec);
        let path = dir.path().join(format!("refused_{name}.json"));
        std::fs::write(&path, spec.to_string()).unwrap();
        for command in ["check", "analyse"] {
            let out = run(&[command, path.to_str().unwrap()]);
            assert_eq!(out.code, Some(2), "{name} {command}: {}", out.stderr);
            assert!(
                out.stdout.is_empty() || command == "check",
                "{name}: {}",
                out.stdout
            );
            for expected in names {
                assert!(
                    out.stderr.contains(expected),
                    "{name} {command}: `{expected}` not in: {}",
                    out.stderr
                );
            }
        }
        assert!(
            !dir.path().join("report").exists(),
            "{name}: nothing written"
        );
    }
}

/// Bad data found while the engine runs: an arm the design does not declare names
/// the file, the column and the value.
#[test]
fn an_undeclared_arm_in_the_data_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let studies = engine_studies(dir.path());
    let (_, memory_spec, parquet) = &studies[0];
    let mut spec: Value =
        serde_json::from_str(&std::fs::read_to_string(memory_spec).unwrap()).unwrap();
    spec["design"]["arms"][1]["name"] = Value::from("priority");
    spec["design"].as_object_mut().unwrap().remove("units");
    spec["analysis"]["id"] = Value::from("property_id");
    spec["analysis"]["data"] = Value::from(parquet.to_string_lossy().as_ref());
    spec["analysis"]["engine"] = Value::from("datafusion");
    let path = dir.path().join("undeclared_arm.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    let out = run(&["analyse", path.to_str().unwrap()]);
    refused(
        &out,
        &["inspections_with_arm.parquet", "`arm`", "`prioritised`"],
        2,
    );
}

/// Rows the engine cannot analyse end the analysis with one line naming the file
/// and the column: a cluster with rows in both arms, a repeated identifier, and a
/// missing outcome under
/// `missing: error` (with its count; no line, as no row comes back).
#[test]
fn bad_rows_on_an_engine_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let column = |name: &str, values: &[&str]| {
        (
            name.to_string(),
            values.iter().map(|v| v.to_string()).collect::<Vec<_>>(),
        )
    };
    let arms = [
        "control", "control", "control", "treated", "treated", "treated",
    ];
    type Columns = Vec<(String, Vec<String>)>;
    let cases: [(&str, Columns, &[&str]); 3] = [
        (
            "mixed_cluster",
            vec![
                column("id", &["a", "b", "c", "d", "e", "f"]),
                column("arm", &arms),
                column("y", &["1", "2", "3", "4", "5", "7"]),
                column("site", &["s1", "s1", "s2", "s2", "s3", "s3"]),
            ],
            &[
                "mixed_cluster.parquet",
                "column `site`",
                "cluster `s2` has rows in both arms",
            ],
        ),
        (
            "repeated_id",
            vec![
                column("id", &["a", "b", "c", "d", "e", "a"]),
                column("arm", &arms),
                column("y", &["1", "2", "3", "4", "5", "7"]),
            ],
            &[
                "repeated_id.parquet",
                "column `id`",
                "6 rows hold 5 distinct",
            ],
        ),
        (
            "missing_outcome",
            vec![
                column("id", &["a", "b", "c", "d", "e", "f"]),
                column("arm", &arms),
                column("y", &["1", "", "3", "4", "5", "7"]),
            ],
            &["missing_outcome.parquet", "column `y` has 1 missing values"],
        ),
    ];
    for (name, columns, expected) in cases {
        let data = dir.path().join(format!("{name}.parquet"));
        write_parquet(&batch_of_columns(&columns), &data, 100);
        let spec = serde_json::json!({
            "evident": 1,
            "title": "t",
            "statement": {"problem": "p", "action": "a", "data_product": "d", "datasets": ["x"]},
            "design": if name == "mixed_cluster" {
                let units = dir.path().join("units.csv");
                std::fs::write(&units, "id,site\na,s1\nb,s1\nc,s2\nd,s2\ne,s3\nf,s3\n").unwrap();
                serde_json::json!({
                    "kind": "cluster_rct",
                    "cluster": "site",
                    "units": {"file": units.to_string_lossy(), "id": "id"},
                    "arms": [{"name": "control", "share": 0.5}, {"name": "treated", "share": 0.5}]
                })
            } else {
                serde_json::json!({
                    "kind": "rct",
                    "arms": [{"name": "control", "share": 0.5}, {"name": "treated", "share": 0.5}]
                })
            },
            "outcomes": [{"name": "y", "type": "continuous", "role": "primary"}],
            "analysis": {
                "data": data.to_string_lossy(),
                "id": "id",
                "treatment": "arm",
                "randomisation_inference": {"enabled": false},
                "engine": "datafusion"
            },
            "report": {"dir": dir.path().join("report").to_string_lossy()}
        });
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, spec.to_string()).unwrap();
        refused(&run(&["analyse", path.to_str().unwrap()]), expected, 2);
    }
}
