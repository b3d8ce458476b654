//! The Kubernetes recipe in `deploy/`: the manifests parse and agree with each other and with loadgen on what
//! the recipe relies on (the shard count, the index variable, the shared volume, the Services, the image), and
//! the Dockerfile builds the three binaries. No cluster and no image are needed.

use serde_json::Value;
use std::path::PathBuf;

fn deploy_dir() -> PathBuf {
    crate::scenarios_dir().join("../deploy")
}

/// Every document of `deploy/k8s/<file>`.
fn docs(file: &str) -> Vec<Value> {
    let path = deploy_dir().join("k8s").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_saphyr::from_multiple(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

fn all_docs() -> Vec<Value> {
    ["mock.yaml", "bot.yaml", "loadgen.yaml", "merge.yaml"]
        .iter()
        .flat_map(|f| docs(f))
        .collect()
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn pod(workload: &Value) -> &Value {
    &workload["spec"]["template"]["spec"]
}

/// Every container of a pod, init containers first.
fn containers(pod: &Value) -> Vec<&Value> {
    let list = |k: &str| pod[k].as_array().into_iter().flatten();
    list("initContainers").chain(list("containers")).collect()
}

fn args(container: &Value) -> Vec<&str> {
    container["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|a| a.as_str().expect("every arg a string"))
        .collect()
}

/// The argument after `flag`.
fn flag<'a>(args: &[&'a str], flag: &str) -> &'a str {
    let i = args
        .iter()
        .position(|a| *a == flag)
        .unwrap_or_else(|| panic!("no {flag} in {args:?}"));
    args.get(i + 1)
        .unwrap_or_else(|| panic!("{flag} without a value"))
}

/// Where `container` mounts the volume of `pod` that is the claim `claim`.
fn claim_mount<'a>(pod: &Value, container: &'a Value, claim: &str) -> &'a str {
    let volume = pod["volumes"]
        .as_array()
        .expect("volumes")
        .iter()
        .find(|v| v["persistentVolumeClaim"]["claimName"] == claim)
        .unwrap_or_else(|| panic!("no volume of the claim {claim}"));
    container["volumeMounts"]
        .as_array()
        .expect("volumeMounts")
        .iter()
        .find(|m| m["name"] == volume["name"])
        .and_then(|m| m["mountPath"].as_str())
        .unwrap_or_else(|| panic!("the claim {claim} is not mounted"))
}

/// `http://NAME:PORT…` names a Service of these manifests with that port.
fn assert_service(docs: &[Value], url: &str) {
    let rest = url.strip_prefix("http://").expect("an http URL");
    let authority = rest.split('/').next().unwrap_or_default();
    let (name, port) = authority.split_once(':').expect("host:port");
    let service = find(docs, "Service", name);
    let ports = service["spec"]["ports"].as_array().expect("ports");
    assert!(
        ports
            .iter()
            .any(|p| p["port"].as_u64().map(|p| p.to_string()) == Some(port.into())),
        "the Service {name} has no port {port}"
    );
}

/// The Indexed Job's shard count, checked against completions and parallelism.
fn shards(job: &Value) -> u64 {
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    let a = args(containers(pod(job))[0]);
    let n: u64 = flag(&a, "--shards").parse().expect("--shards N");
    assert_eq!(spec["completions"].as_u64(), Some(n), "completions");
    assert_eq!(spec["parallelism"].as_u64(), Some(n), "parallelism");
    n
}

#[test]
fn the_loadgen_job_is_indexed_and_each_shard_writes_to_the_shared_volume() {
    let docs = all_docs();
    let job = find(&docs, "Job", "loadgen");
    let n = shards(job);
    assert!(n >= 2, "a recipe for one shard shows nothing");
    let c = containers(pod(job))[0];
    let a = args(c);
    assert_eq!(&a[..2], ["loadgen", "run"]);
    assert_eq!(flag(&a, "--shard-index-env"), "JOB_COMPLETION_INDEX");
    // $(VAR) in args expands only a variable of the container's env.
    let env = c["env"].as_array().expect("env");
    assert!(env.iter().any(|e| e["name"] == "JOB_COMPLETION_INDEX"));
    assert!(env.iter().any(|e| e["name"] == "MOCK_ADMIN_TOKEN"));
    find(&docs, "PersistentVolumeClaim", "reports");
    let mount = claim_mount(pod(job), c, "reports");
    assert_eq!(
        flag(&a, "--out"),
        format!("{mount}/shard-$(JOB_COMPLETION_INDEX)")
    );
    assert_service(&docs, flag(&a, "--target"));
}

#[test]
fn the_merge_job_reads_every_shards_report_where_the_shards_wrote_it() {
    let docs = all_docs();
    let job = find(&docs, "Job", "loadgen");
    let n = shards(job);
    let shard_mount = claim_mount(pod(job), containers(pod(job))[0], "reports");
    let merge = find(&docs, "Job", "loadgen-merge");
    let cs = containers(pod(merge));
    let a = args(cs[0]);
    assert_eq!(&a[..3], ["loadgen", "report", "merge"]);
    let mount = claim_mount(pod(merge), cs[0], "reports");
    assert_eq!(mount, shard_mount);
    let out_at = a.iter().position(|x| *x == "--out").expect("--out");
    let expected: Vec<String> = (0..n)
        .map(|i| format!("{mount}/shard-{i}/report.json"))
        .collect();
    assert_eq!(a[3..out_at], expected, "one report per shard, each once");
    let merged = flag(&a, "--out");
    assert!(merged.starts_with(&format!("{mount}/")));
    // The later containers read the merged report from the same volume.
    for c in &cs[1..] {
        assert_eq!(args(c)[3], merged);
        assert_eq!(claim_mount(pod(merge), c, "reports"), mount);
    }
}

#[test]
fn the_scenario_in_the_config_map_is_a_valid_scenario_run_against_the_bot_service() {
    let docs = all_docs();
    let job = find(&docs, "Job", "loadgen");
    let p = pod(job);
    let c = containers(p)[0];
    let path = args(c)[2];
    let (dir, file) = path.rsplit_once('/').expect("a path");
    let mount = c["volumeMounts"]
        .as_array()
        .expect("mounts")
        .iter()
        .find(|m| m["mountPath"] == dir)
        .expect("the scenario's folder is mounted");
    let volume = p["volumes"]
        .as_array()
        .expect("volumes")
        .iter()
        .find(|v| v["name"] == mount["name"])
        .expect("its volume");
    let map = find(
        &docs,
        "ConfigMap",
        volume["configMap"]["name"].as_str().expect("a ConfigMap"),
    );
    let text = map["data"][file]
        .as_str()
        .expect("the scenario file in the ConfigMap");
    let plan = loadgen::scenario::parse(text, file, &crate::scenarios_dir())
        .unwrap_or_else(|e| panic!("the ConfigMap's scenario: {e}"));
    let loadgen::scenario::plan::Bot::Url(bot) = &plan.bot else {
        panic!("the scenario's bot is not the bot Service");
    };
    assert_service(&docs, bot);
    // The URL the bot registers is the scenario's, so no shard puts another back at its end.
    let bot_args = args(containers(pod(find(&docs, "Deployment", "bot")))[0]);
    assert_eq!(flag(&bot_args, "--public-url"), bot);
    assert_service(&docs, flag(&bot_args, "--api"));
}

#[test]
fn every_container_runs_the_image_the_dockerfile_builds() {
    let docs = all_docs();
    let images: std::collections::BTreeSet<&str> = docs
        .iter()
        .filter(|d| d["kind"] == "Deployment" || d["kind"] == "Job")
        .flat_map(|d| containers(pod(d)))
        .map(|c| c["image"].as_str().expect("an image"))
        .collect();
    assert_eq!(images.len(), 1, "one image for all: {images:?}");
    let image = images.into_iter().next().unwrap_or_default();
    let (name, _tag) = image.split_once(':').unwrap_or((image, ""));
    let readme = std::fs::read_to_string(deploy_dir().join("README.md")).expect("deploy/README.md");
    let build = format!("docker build -f deploy/Dockerfile -t {name} .");
    assert!(readme.contains(&build), "deploy/README.md builds {build:?}");
    let dockerfile = std::fs::read_to_string(deploy_dir().join("Dockerfile")).expect("Dockerfile");
    assert!(
        dockerfile.contains(&build),
        "the Dockerfile's comment says {build:?}"
    );
    assert!(dockerfile.contains("cargo build --release --locked -p mock-server -p bot -p loadgen"));
    for bin in ["mock-server", "bot", "loadgen"] {
        assert!(
            dockerfile.contains(&format!("target/release/{bin} ")),
            "the Dockerfile copies {bin} out"
        );
    }
    // The runtime stage is the last FROM, and it is Debian slim.
    let last_from = dockerfile
        .lines()
        .rfind(|l| l.starts_with("FROM "))
        .expect("FROM");
    assert!(last_from.contains("-slim"), "{last_from}");
}

/// The Job's arguments as loadgen's parser sees them: the flags exist and go together. The target is down,
/// so an accepted command line ends with exit 3 (the run could not be carried out), a refused one with 2.
#[test]
fn loadgen_accepts_the_jobs_arguments() {
    let docs = all_docs();
    let job = find(&docs, "Job", "loadgen");
    let a = args(containers(pod(job))[0]);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("deploy-job-args");
    std::fs::create_dir_all(&dir).expect("a folder");
    let map = find(&docs, "ConfigMap", "scenario");
    let file = dir.join("scenario.yaml");
    std::fs::write(
        &file,
        map["data"]["kf-customer-service.yaml"]
            .as_str()
            .expect("text"),
    )
    .expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args(&a[1..2])
        .arg(&file)
        .args(a[3..].iter().map(|x| {
            x.replace("$(JOB_COMPLETION_INDEX)", "1")
                .replace("http://mock:8080", "http://127.0.0.1:9")
                .replace("/reports/", &format!("{}/", dir.display()))
        }))
        .env("JOB_COMPLETION_INDEX", "1")
        .current_dir(&dir)
        .output()
        .expect("loadgen runs");
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The round trip, three times, on a running target: loadgen reads the world, registers its reference bot and
/// subscribes to the events, all through the control API.
const ROUND_TRIPS: &str = r#"
name: admin-token
data:
  customer: { from: customers }
  kf: { from: kf_accounts }
workload:
  - name: few
    closed: { vus: 1, iterations: 3 }
steps:
  - control: POST /mock/kf/${kf}/messages
    body: { from: "${customer}", content: "q ${iteration}" }
    capture: { msgid: msgid }
  - expect: { kind: delivered, route: kf, in_reply_to: "${msgid}" }
    timeout: 5s
    metric: roundtrip
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mock_with_an_admin_token_is_driven_with_the_token_and_refused_without() {
    let config = mock_server::Config {
        admin_token: Some("k8s-s3cret".into()),
        ..Default::default()
    };
    let state = mock_server::State::demo(config).expect("the demo world");
    let (url, _stop) = crate::serve(state).await;
    let without = loadgen::run::Options {
        target: Some(url.clone()),
        ..Default::default()
    };
    let refused = loadgen::run::execute(
        crate::plan(ROUND_TRIPS),
        &without,
        std::future::pending::<()>(),
    )
    .await;
    let e = match refused {
        Ok(_) => panic!("a run without the token was not refused"),
        Err(e) => e.to_string(),
    };
    assert!(e.contains("401"), "{e}");
    let with = loadgen::run::Options {
        admin_token: Some("k8s-s3cret".into()),
        ..without
    };
    let report = crate::run(crate::plan(ROUND_TRIPS), with).await;
    assert_eq!(report.counters.n_iterations, 3);
    assert_eq!(
        report.counters.n_failed_iterations, 0,
        "{:?}",
        report.counters
    );
}
