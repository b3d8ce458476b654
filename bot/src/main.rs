//! The `bot` command: serves the callback endpoint, optionally registers it with the mock server, and answers
//! kf customers until Ctrl-C; or, as `bot aibot`, holds an AI bot's long connection and streams its answers.

use anyhow::{anyhow, bail, Context as _};
use clap::{Parser, Subcommand};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use bot::{AiBot, AibotConfig, Bot, Config, Ended, Reply};

/// Exit status for bad arguments, a failed bind and a failed registration, as clap uses for bad arguments.
const EXIT_USAGE: u8 = 2;
const EXIT_FAILURE: u8 = 1;
/// The mock verifies the URL within a second; this leaves it room.
const REGISTER_TIMEOUT_S: u64 = 10;

/// The reference WeCom bot: answers 微信客服 customers (echo by default), or is an AI bot (`bot aibot`).
#[derive(Debug, Parser)]
#[command(version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    mode: Option<Mode>,
    #[command(flatten)]
    app: Args,
}

#[derive(Debug, Subcommand)]
enum Mode {
    /// Be an AI bot (智能机器人) on its long connection: stream an answer to every member's message.
    Aibot(AibotArgs),
}

/// The kf and app bot, behind its callback URL.
#[derive(Debug, clap::Args)]
struct Args {
    /// Where to listen for callbacks.
    #[arg(long, env = "BOT_BIND", default_value = "127.0.0.1:9000")]
    bind: String,
    /// The WeCom (mock) server.
    #[arg(long, env = "BOT_API", default_value_t = Config::demo().api_base)]
    api: String,
    #[arg(long, env = "BOT_CORPID", default_value_t = Config::demo().corpid)]
    corpid: String,
    /// The app's secret, for gettoken [default: the demo app's].
    #[arg(long, env = "BOT_SECRET", default_value_t = Config::demo().secret, hide_default_value = true, hide_env_values = true)]
    secret: String,
    /// The callback Token [default: the demo app's].
    #[arg(long, env = "BOT_TOKEN", default_value_t = Config::demo().token, hide_default_value = true)]
    token: String,
    /// The callback EncodingAESKey [default: the demo app's].
    #[arg(long, env = "BOT_AES_KEY", default_value_t = Config::demo().encoding_aes_key, hide_default_value = true)]
    aes_key: String,
    /// Answer every message with this text instead of echoing.
    #[arg(long, env = "BOT_REPLY")]
    reply: Option<String>,
    /// The callback path.
    #[arg(long, env = "BOT_PATH", default_value_t = Config::demo().path)]
    path: String,
    /// Answer this share (0–100) of pushes with HTTP 503, to test WeCom's retries.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=100))]
    fail_percent: u8,
    /// Which pushes fail: the same seed fails the same ones.
    #[arg(long, default_value_t = 0)]
    fail_seed: u64,
    /// After binding, set this app's callback URL on the mock server to the bot's (the mock verifies it).
    #[arg(long, env = "BOT_REGISTER", value_name = "AGENTID")]
    register: Option<i64>,
    /// The URL --register gives the mock, when the mock reaches the bot by another name than the address bound
    /// (a Service: http://bot:9000/callback) [default: http://<bound address><path>].
    #[arg(long, env = "BOT_PUBLIC_URL", requires = "register")]
    public_url: Option<String>,
    /// The admin token of a mock started with `--admin-token`, for --register from another host.
    #[arg(long, env = "MOCK_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
}

/// The AI bot on the long connection.
#[derive(Debug, clap::Args)]
struct AibotArgs {
    /// The long connection: the mock's port as ws://.
    #[arg(long, env = "BOT_WS_URL", default_value_t = AibotConfig::demo().ws_url)]
    ws_url: String,
    /// The AI bot's id [default: the demo's 智能助手].
    #[arg(long, env = "BOT_AIBOT_ID", default_value_t = AibotConfig::demo().botid, hide_default_value = true)]
    botid: String,
    /// The AI bot's secret [default: the demo bot's].
    #[arg(long, env = "BOT_AIBOT_SECRET", default_value_t = AibotConfig::demo().secret, hide_default_value = true, hide_env_values = true)]
    secret: String,
    /// Stream frames per answer, each the whole text so far.
    #[arg(long, default_value_t = AibotConfig::demo().chunks as u64, value_parser = clap::value_parser!(u64).range(1..=bot::MAX_CHUNKS as u64))]
    chunks: u64,
    /// Milliseconds from one chunk to the next.
    #[arg(long, default_value_t = AibotConfig::demo().chunk_ms)]
    chunk_ms: u64,
    /// A ping this often (milliseconds); two unacked and the bot reconnects.
    #[arg(long, default_value_t = AibotConfig::demo().heartbeat_ms)]
    heartbeat_ms: u64,
    /// The first wait before reconnecting (milliseconds), doubled at each failure up to 30 s.
    #[arg(long, default_value_t = AibotConfig::demo().reconnect_ms)]
    reconnect_ms: u64,
    /// Answer every message with this text instead of echoing.
    #[arg(long, env = "BOT_REPLY")]
    reply: Option<String>,
    /// The welcome sent when a member opens the chat.
    #[arg(long, default_value_t = AibotConfig::demo().welcome)]
    welcome: String,
}

/// A failure and the exit status it earns.
struct Fatal(u8, anyhow::Error);

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let ran = match cli.mode {
        Some(Mode::Aibot(a)) => run_aibot(a).await,
        None => run(cli.app).await,
    };
    match ran {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fatal(code, e)) => {
            eprintln!("bot: {e:#}");
            ExitCode::from(code)
        }
    }
}

async fn run(args: Args) -> Result<(), Fatal> {
    let usage = |e: anyhow::Error| Fatal(EXIT_USAGE, e);
    let config = Config {
        api_base: args.api,
        corpid: args.corpid,
        secret: args.secret,
        token: args.token,
        encoding_aes_key: args.aes_key,
        reply: args.reply.map_or(Reply::Echo, Reply::Canned),
        path: args.path,
        fail_percent: args.fail_percent,
        fail_seed: args.fail_seed,
    };
    let bot = Bot::new(config).map_err(|e| usage(e.into()))?;
    let listener = tokio::net::TcpListener::bind(&args.bind)
        .await
        .with_context(|| format!("cannot bind {}", args.bind))
        .map_err(usage)?;
    let addr = listener
        .local_addr()
        .context("cannot read the bound address")
        .map_err(usage)?;
    let path = bot.config().path.clone();
    println!("bot listening on http://{addr}{path}");
    let shutdown = async {
        // If Ctrl-C cannot be watched, run until killed rather than stop at once.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    // Serving starts before registering because the mock verifies the URL by calling it.
    let server = tokio::spawn(bot::serve(listener, Arc::clone(&bot), shutdown));
    if let Some(agentid) = args.register {
        let url = args
            .public_url
            .unwrap_or_else(|| format!("http://{addr}{path}"));
        let answer = register(&bot, agentid, &url, args.admin_token.as_deref())
            .await
            .map_err(usage)?;
        println!("registered with app {agentid}: {answer}");
    }
    match server.await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(Fatal(EXIT_FAILURE, anyhow!(e).context("serving failed"))),
        Err(e) => Err(Fatal(
            EXIT_FAILURE,
            anyhow!(e).context("server task failed"),
        )),
    }
}

/// Connects, streams answers until Ctrl-C; a refused subscribe or a newer connection taking over ends it too.
async fn run_aibot(a: AibotArgs) -> Result<(), Fatal> {
    let config = AibotConfig {
        ws_url: a.ws_url,
        botid: a.botid,
        secret: a.secret,
        chunks: usize::try_from(a.chunks).unwrap_or(bot::MAX_CHUNKS),
        chunk_ms: a.chunk_ms,
        heartbeat_ms: a.heartbeat_ms,
        reconnect_ms: a.reconnect_ms,
        reply: a.reply.map_or(Reply::Echo, Reply::Canned),
        welcome: a.welcome,
    };
    let aibot = AiBot::new(config).map_err(|e| Fatal(EXIT_USAGE, e.into()))?;
    let (ws_url, botid) = (&aibot.config().ws_url, &aibot.config().botid);
    println!("aibot {botid} connecting to {ws_url}");
    let mut subscribed = aibot.subscribed();
    tokio::spawn(async move {
        while subscribed.changed().await.is_ok() {
            let n = *subscribed.borrow_and_update();
            println!("aibot subscribed (connection {n})");
        }
    });
    let (mut task, stop) = bot::spawn_aibot(Arc::clone(&aibot));
    let ended = tokio::select! {
        ended = &mut task => ended,
        _ = tokio::signal::ctrl_c() => {
            let _ = stop.send(());
            task.await
        }
    };
    match ended {
        Ok(Ended::Stopped) => Ok(()),
        Ok(Ended::Kicked) => Err(Fatal(
            EXIT_FAILURE,
            anyhow!("a newer connection took the bot over (disconnected_event); not reconnecting"),
        )),
        Ok(Ended::Refused { errcode, errmsg }) => Err(Fatal(
            EXIT_USAGE,
            anyhow!("the server refused the subscribe: {errcode} {errmsg}"),
        )),
        Err(e) => Err(Fatal(
            EXIT_FAILURE,
            anyhow!(e).context("the bot's task failed"),
        )),
    }
}

/// Registers the bot's URL with the mock ([`bot::register`]); returns the mock's answer.
async fn register(
    bot: &Bot,
    agentid: i64,
    url: &str,
    admin_token: Option<&str>,
) -> anyhow::Result<String> {
    let api = bot.config().api_base.trim_end_matches('/');
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(t) = admin_token {
        let value = reqwest::header::HeaderValue::from_str(&format!("Bearer {t}"))
            .context("the admin token cannot be sent in a header")?;
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    let client = reqwest::Client::builder()
        .no_proxy()
        .default_headers(headers)
        .timeout(Duration::from_secs(REGISTER_TIMEOUT_S))
        .build()?;
    let (status, text) = bot::register(&client, api, agentid, url)
        .await
        .with_context(|| format!("cannot register with {api}"))?;
    if !status.is_success() {
        bail!("registration refused: {status} {}", text.trim());
    }
    Ok(text.trim().to_owned())
}
