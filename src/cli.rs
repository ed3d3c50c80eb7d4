//! The command line (clap derive only); converted to domain types in `app`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Analyse Prometheus /metrics output: usage patterns, thresholds, recommendations.
#[derive(Debug, Parser)]
#[command(name = "promtune", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse expositions: usage patterns, threshold table, recommendations.
    #[command(alias = "analyse")]
    Analyze(Box<AnalyzeArgs>),
    /// Write one generated config (prometheus-config, alert-rules, dashboard, cache-config, cache-python, report).
    Generate(Box<GenerateCmd>),
    /// Save a page as served (`-o FILE`) with the time and Content-Type of the request in
    /// FILE.promtune.json, which `analyze`, `compare` and `check` read back.
    Scrape(Box<ScrapeArgs>),
    /// Validate exposition files (text format 0.0.4 or OpenMetrics 1.0) and summarise them.
    Check(CheckArgs),
    /// Compare two states (expositions or saved JSON reports): what improved, what regressed.
    Compare(Box<CompareArgs>),
    /// Record the current findings, so that CI fails only on new or worse ones.
    #[command(subcommand)]
    Baseline(BaselineCmd),
    /// Print the threshold table in force.
    Thresholds(ThresholdArgs),
    /// List the detectors.
    Detectors,
    /// Print a shell completion script (bash, zsh, fish, powershell).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// When stdout is a terminal and NO_COLOR is not set.
    Auto,
    /// Always (even with NO_COLOR).
    Always,
    /// Never.
    Never,
}

/// Options shared by every command that reads expositions.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Exposition format: decided from the content (or Content-Type) by default.
    #[arg(long, value_enum, default_value_t = InputFormatArg::Auto, env = "PROMTUNE_INPUT_FORMAT")]
    pub input_format: InputFormatArg,

    /// Stop reading a source past this many bytes (after decompression).
    #[arg(long, default_value_t = crate::parse::DEFAULT_MAX_BYTES, value_name = "BYTES")]
    pub max_bytes: u64,
}

/// `promtune check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files to validate; `-` reads standard input.
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<PathBuf>,

    /// Output: `summary` (the default), `promtool` (exactly what `promtool check metrics`
    /// prints, with its exit codes: 3 lint problems, 1 unparseable, 0 clean), or one of
    /// analyze's formats for the lint findings (json, sarif, junit, github, markdown).
    #[arg(long, value_enum, default_value_t = CheckFormatArg::Summary)]
    pub format: CheckFormatArg,

    /// Lint the families: `all` (the default) or `none` (validate only), as in promtool.
    #[arg(long, value_enum, default_value_t = LintArg::All)]
    pub lint: LintArg,

    /// Print promtool's cardinality table (metric, cardinality, percentage).
    #[arg(long)]
    pub extended: bool,

    /// Report a family with more series than this in one scrape.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    pub max_family_series: u64,

    /// A baseline (`promtune baseline write`): only lint findings not in it count for
    /// --fail-on.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// promtune config file: its `ignore:` entries apply to lint findings (rule id, family).
    #[arg(long, value_name = "FILE", env = "PROMTUNE_CONFIG")]
    pub config: Option<PathBuf>,

    /// The time suppressions' `until` dates are held against (RFC 3339 or unix seconds).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,

    /// Exit 1 when a finding reaches this status (lint findings are warnings).
    #[arg(long, value_enum, default_value_t = FailOnArg::Critical, env = "PROMTUNE_FAIL_ON")]
    pub fail_on: FailOnArg,

    /// Input options.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormatArg {
    /// The page's summary, then the lint findings.
    Summary,
    /// `promtool check metrics`'s output and exit codes.
    Promtool,
    /// The JSON contract (docs/report.schema.json), a check per finding.
    Json,
    /// Markdown.
    Markdown,
    /// SARIF 2.1.0, located at each family's line.
    Sarif,
    /// JUnit XML.
    Junit,
    /// GitHub Actions annotations.
    Github,
}

/// `check --lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintArg {
    /// Every rule.
    All,
    /// No rule: validate only, or the `--extended` table alone.
    None,
}

/// `promtune scrape URL -o FILE`.
#[derive(Debug, Args)]
pub struct ScrapeArgs {
    /// The http(s):// URL to fetch.
    #[arg(value_name = "URL")]
    pub url: String,

    /// Where to save the page; its record goes beside it, in FILE.promtune.json.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,

    /// Overwrite FILE and its record if they exist.
    #[arg(long)]
    pub force: bool,

    /// HTTP options.
    #[command(flatten)]
    pub http: HttpArgs,

    /// Input options.
    #[command(flatten)]
    pub input: InputArgs,
}

/// Threshold sources shared by `analyze` and `thresholds`.
#[derive(Debug, Args)]
pub struct ThresholdArgs {
    /// Threshold profile: `default` (the guide's table, request rate not judged), `guide` (the
    /// guide's table as written) or `kpi` (its success KPIs as targets).
    #[arg(long, value_name = "NAME", env = "PROMTUNE_PROFILE")]
    pub profile: Option<String>,

    /// YAML file overriding threshold rows (`thresholds: {memory: {warning: 700MB}}`).
    #[arg(long, value_name = "FILE", env = "PROMTUNE_THRESHOLDS")]
    pub thresholds: Option<PathBuf>,

    /// promtune config file: thresholds plus exporter hints (`exporter: {requests: …}`).
    #[arg(long, value_name = "FILE", env = "PROMTUNE_CONFIG")]
    pub config: Option<PathBuf>,
}

/// What every analysing command reads, and how.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Files, `-` for standard input, or http(s):// URLs; one report each.
    #[arg(required_unless_present_any = ["prometheus", "targets_from"], value_name = "SOURCE")]
    pub sources: Vec<std::ffi::OsString>,

    /// Scrape every target of this Prometheus config (static_configs, file_sd_configs) or
    /// file_sd file (JSON or YAML), concurrently: one report per target and a fleet summary.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["sources", "prometheus", "previous", "scraped_at"])]
    pub targets_from: Option<PathBuf>,

    /// With --targets-from: requests in flight at most.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=4096))]
    pub concurrency: u16,

    /// Read the fleet from this Prometheus-compatible server (Prometheus, VictoriaMetrics,
    /// Thanos, Mimir; a path prefix is allowed): one report per target, over --range.
    #[arg(long, value_name = "URL", conflicts_with_all = ["sources", "previous", "window", "scraped_at"])]
    pub prometheus: Option<String>,

    /// With --prometheus: the range that rates and counts cover, ending at --at.
    #[arg(long, value_name = "DURATION", default_value = "1h")]
    pub range: String,

    /// With --prometheus: the end of the range (RFC 3339 or unix seconds; default now).
    #[arg(long, value_name = "TIME", requires = "prometheus")]
    pub at: Option<String>,

    /// With --prometheus: only targets matching these label matchers (`{env="prod"}`).
    #[arg(long = "match", value_name = "SELECTOR", requires = "prometheus")]
    pub matcher: Option<String>,

    /// With --prometheus: the tenant, sent as X-Scope-OrgID (Mimir, Cortex, Thanos).
    #[arg(long, value_name = "ID", requires = "prometheus")]
    pub tenant: Option<String>,

    /// When the exposition was taken (RFC 3339, or unix seconds): wins over sample timestamps
    /// and a saved page's record; without any of them, rates are unknown.
    #[arg(long, value_name = "TIME")]
    pub scraped_at: Option<String>,

    /// An earlier scrape of the (one) source: rates cover the time between the two.
    #[arg(long, value_name = "SOURCE", conflicts_with = "window")]
    pub previous: Option<std::ffi::OsString>,

    /// Scrape each URL twice, this long apart (e.g. 1m): rates cover that window.
    #[arg(long, value_name = "DURATION")]
    pub window: Option<String>,

    /// Families (or stored names) matching this regex are never dropped or relabelled by
    /// the proposed metric_relabel_configs; repeatable.
    #[arg(long, value_name = "REGEX")]
    pub keep: Vec<String>,

    /// Thresholds.
    #[command(flatten)]
    pub thresholds: ThresholdArgs,

    /// HTTP options.
    #[command(flatten)]
    pub http: HttpArgs,

    /// Input options.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `promtune analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Sources and how to read them.
    #[command(flatten)]
    pub run: RunArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,

    /// Write the report (in --format) to FILE, atomically and only over an existing file with
    /// --force; the table still goes to stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Colour the table's statuses: auto (a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, value_name = "WHEN")]
    pub color: ColorArg,

    /// A baseline (`promtune baseline write`): only findings that are new, or worse than
    /// recorded, count for --fail-on.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// The time suppressions' `until` dates are held against (RFC 3339 or unix seconds;
    /// default now).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,

    /// Exit 1 when a check reaches this status.
    #[arg(long, value_enum, default_value_t = FailOnArg::Critical, env = "PROMTUNE_FAIL_ON")]
    pub fail_on: FailOnArg,

    /// Also write every generated config into DIR (prometheus-optimized.yml, alert-rules.yml, …).
    #[arg(long, value_name = "DIR")]
    pub write_configs: Option<PathBuf>,

    /// Config generation.
    #[command(flatten)]
    pub generate: GenerateArgs,
}

/// `promtune baseline …`.
#[derive(Debug, Subcommand)]
pub enum BaselineCmd {
    /// `promtune baseline write FILE SOURCE…`: record the findings of the sources in FILE.
    Write(Box<BaselineWrite>),
}

/// `promtune baseline write`.
#[derive(Debug, Args)]
pub struct BaselineWrite {
    /// The baseline file to write.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Sources and how to read them.
    #[command(flatten)]
    pub run: RunArgs,

    /// Overwrite FILE if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `promtune compare BEFORE AFTER`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The earlier state: an exposition (file, `-` or URL) or `analyze --format json` output.
    #[arg(value_name = "BEFORE", required_unless_present = "prometheus")]
    pub before: Option<std::ffi::OsString>,

    /// The later state, likewise.
    #[arg(value_name = "AFTER", required_unless_present = "prometheus")]
    pub after: Option<std::ffi::OsString>,

    /// Compare two ranges read from this Prometheus-compatible server, target by target.
    #[arg(long, value_name = "URL", requires_all = ["before_range", "after_range"], conflicts_with_all = ["before", "after"])]
    pub prometheus: Option<String>,

    /// With --prometheus: the earlier range, `START/DURATION` (`2026-11-30T00:00:00Z/1d`).
    #[arg(long, value_name = "START/DURATION", requires = "prometheus")]
    pub before_range: Option<String>,

    /// With --prometheus: the later range, likewise.
    #[arg(long, value_name = "START/DURATION", requires = "prometheus")]
    pub after_range: Option<String>,

    /// With --prometheus: only these jobs (repeat for several).
    #[arg(long, value_name = "NAME", requires = "prometheus")]
    pub job: Vec<String>,

    /// With --prometheus: only targets matching these label matchers (`{env="prod"}`).
    #[arg(long = "match", value_name = "SELECTOR", requires = "prometheus")]
    pub matcher: Option<String>,

    /// With --prometheus: the tenant, sent as X-Scope-OrgID.
    #[arg(long, value_name = "ID", requires = "prometheus")]
    pub tenant: Option<String>,

    /// An expected change, `CHECK=±N%` (`memory=-40%`: at least a 40% cut); repeatable.
    #[arg(long, value_name = "CHECK=±N%")]
    pub expect: Vec<String>,

    /// A file of expected changes, one `CHECK=±N%` per line (`#` comments).
    #[arg(long, value_name = "FILE")]
    pub expect_file: Option<PathBuf>,

    /// A change within this is "same" (unless the status got worse).
    #[arg(long, value_name = "PERCENT", default_value = "5%")]
    pub tolerance: String,

    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,

    /// Write the comparison (in --format) to FILE; the table still goes to stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Overwrite --output if it exists.
    #[arg(long)]
    pub force: bool,

    /// Thresholds.
    #[command(flatten)]
    pub thresholds: ThresholdArgs,

    /// HTTP options.
    #[command(flatten)]
    pub http: HttpArgs,

    /// Input options.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `promtune generate`.
#[derive(Debug, Args)]
pub struct GenerateCmd {
    /// Which file to write.
    #[arg(value_enum)]
    pub kind: KindArg,

    /// Sources and how to read them.
    #[command(flatten)]
    pub run: RunArgs,

    /// Write here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Config generation.
    #[command(flatten)]
    pub generate: GenerateArgs,
}

/// Options for generated configs.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Your Prometheus config: the output keeps it whole and changes only the analysed job.
    #[arg(long, value_name = "FILE")]
    pub base_config: Option<PathBuf>,

    /// The scrape job to change (default: the job whose static targets include the target);
    /// with --prometheus, the jobs to analyse (repeat it for several).
    #[arg(long, value_name = "NAME")]
    pub job: Vec<String>,

    /// host:port of the analysed target, for a file or stdin source (a URL gives its own).
    #[arg(long, value_name = "HOST:PORT")]
    pub target: Option<String>,

    /// Overwrite files that exist.
    #[arg(long)]
    pub force: bool,

    /// Print the change to --base-config as a unified diff and write nothing.
    #[arg(long, requires = "base_config")]
    pub diff: bool,

    /// Do not add the generated alert-rules.yml to the Prometheus config's rule_files.
    #[arg(long)]
    pub no_rule_files: bool,

    /// Base URL of the runbooks the alerts link to: `runbook_url` is `<URL>/<check>.md`
    /// (e.g. your copy of promtune's docs/detectors); without it, alerts have no runbook_url.
    #[arg(long, value_name = "URL", env = "PROMTUNE_RUNBOOK_URL")]
    pub runbook_url: Option<String>,

    /// What is read: Prometheus rule files, PrometheusRule manifests, Grafana dashboards
    /// (JSON) or Prometheus query logs, or directories of them; repeatable. Each query's
    /// PromQL says which series and labels it needs, so which the proposed
    /// metric_relabel_configs may drop.
    #[arg(long, value_name = "PATH")]
    pub usage: Vec<PathBuf>,
}

/// `promtune generate KIND`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// prometheus-optimized.yml.
    PrometheusConfig,
    /// alert-rules.yml.
    AlertRules,
    /// grafana-dashboard.json.
    Dashboard,
    /// cache-optimization.yml.
    CacheConfig,
    /// cache-optimization.py.
    CachePython,
    /// recommendations.md.
    Report,
}

impl KindArg {
    /// The generator kind it names.
    pub fn as_str(self) -> &'static str {
        match self {
            KindArg::PrometheusConfig => "prometheus-config",
            KindArg::AlertRules => "alert-rules",
            KindArg::Dashboard => "dashboard",
            KindArg::CacheConfig => "cache-config",
            KindArg::CachePython => "cache-python",
            KindArg::Report => "report",
        }
    }
}

/// How URLs are fetched. Secrets come from files or the environment, never from argv.
#[derive(Debug, Args)]
pub struct HttpArgs {
    /// Timeout for the whole request, body included (`3s`, `500ms`).
    #[arg(long, default_value = "10s", value_name = "DURATION")]
    pub timeout: String,

    /// File holding a bearer token (or set PROMTUNE_BEARER_TOKEN).
    #[arg(long, value_name = "FILE")]
    pub bearer_token_file: Option<PathBuf>,

    /// Basic-auth user name.
    #[arg(long, value_name = "USER")]
    pub basic_auth_user: Option<String>,

    /// File holding the basic-auth password (or set PROMTUNE_BASIC_AUTH_PASSWORD).
    #[arg(long, value_name = "FILE")]
    pub basic_auth_password_file: Option<PathBuf>,

    /// Extra request header, `Name: value`; repeatable.
    #[arg(long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,

    /// PEM file with a CA certificate to trust.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
}

/// `--input-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormatArg {
    /// Decide from Content-Type or content.
    Auto,
    /// Prometheus text format 0.0.4.
    Prometheus,
    /// OpenMetrics 1.0.
    Openmetrics,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Tables for a terminal.
    Table,
    /// The JSON contract (docs/report.schema.json).
    Json,
    /// Markdown.
    Markdown,
    /// SARIF 2.1.0 (code scanning).
    Sarif,
    /// JUnit XML (Jenkins, GitLab): a failure per check at or above --fail-on.
    Junit,
    /// GitHub Actions annotations (workflow commands).
    Github,
    /// A self-contained HTML page with charts (usually with -o report.html).
    Html,
}

/// `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    /// Never exit 1.
    Never,
    /// Exit 1 on a warning or critical check.
    Warning,
    /// Exit 1 on a critical check.
    Critical,
    /// Exit 1 on a check that could not be measured, or on a warning or critical one: for a
    /// CI job that relies on every figure.
    Unknown,
}
