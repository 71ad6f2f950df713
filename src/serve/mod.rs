//! `kumiai serve`: the local web application — 検索, テーマ, コードブック, 比較, 語の推移 and a
//! document view — on the same library [`Corpus`] session as the CLI.
//!
//! The pages are rendered on the server (maud escapes every value by default) with the same
//! stages and writers as the CLI: a page is a query string, so every state is a permalink and
//! the browser needs no script. What a local server holding union documents must not do is
//! kept out at the door ([`guard`]): requests for another host name (DNS rebinding), anything
//! but GET/HEAD/POST, and queries over [`MAX_QUERY_CHARS`]; every response carries a strict
//! Content-Security-Policy. Nothing is written to disk: exports are returned to the browser.

mod pages;

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::corpus::Corpus;
use crate::index::KumiaiIndex;
use crate::ingest::Document;
use crate::segment::Unit;
use crate::warning::Warnings;

/// The longest query (or codebook, or term list) a page accepts, in characters.
pub const MAX_QUERY_CHARS: usize = 2_000;
/// The most documents one result page lists, and an export holds.
pub const MAX_DOCUMENTS: usize = 500;

/// Where to serve.
pub struct Options {
    pub host: IpAddr,
    /// 0 for any free port (the address printed says which).
    pub port: u16,
}

/// Why the server could not start or stopped.
#[derive(Debug)]
pub enum ServeError {
    /// The address is taken or not ours.
    Bind(SocketAddr, std::io::Error),
    /// The runtime or the server failed.
    Io(std::io::Error),
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServeError::Bind(addr, e) if e.kind() == std::io::ErrorKind::AddrInUse => write!(
                f,
                "port {} on {} is in use (another kumiai serve, or another program): pass --port N",
                addr.port(),
                addr.ip()
            ),
            ServeError::Bind(addr, e) => write!(f, "cannot listen on {addr}: {e}"),
            ServeError::Io(e) => write!(f, "server error: {e}"),
        }
    }
}

impl std::error::Error for ServeError {}

/// The documents with their units, as of one index commit.
type Segmented = Arc<Vec<(Document, Vec<Unit>)>>;

/// What every request shares.
struct App {
    corpus: Corpus,
    index: KumiaiIndex,
    /// `Host` header values accepted: the bound address, and `localhost` on loopback.
    hosts: Vec<String>,
    /// The segmented corpus and the index commit it was read at (re-read after a commit).
    documents: Mutex<Option<(Option<std::time::SystemTime>, Segmented)>>,
    warnings: Warnings,
}

impl App {
    /// The corpus's documents and units, re-read when the index has a newer commit (so the
    /// document view and the analyses follow `kumiai index` as search does).
    fn segmented(&self) -> Segmented {
        // The commit's time, as the searcher reloads by: one `stat`, where reading the
        // commit's metadata would parse every file's recorded state on each page.
        let stamp = self.index.committed_at();
        let mut cached = self.documents.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, docs)) = cached.as_ref()
            && *at == stamp
        {
            return Arc::clone(docs);
        }
        let docs = Arc::new(self.corpus.segmented(&self.warnings));
        *cached = Some((stamp, Arc::clone(&docs)));
        docs
    }
}

/// Binds, prints the address and serves `corpus` through `index` (its index, up to date)
/// until Ctrl-C.
pub fn run(corpus: Corpus, index: KumiaiIndex, options: Options) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Io)?;
    runtime.block_on(async move {
        let addr = SocketAddr::new(options.host, options.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| ServeError::Bind(addr, e))?;
        let bound = listener.local_addr().map_err(ServeError::Io)?;
        let mut hosts = vec![bound.to_string()];
        if bound.ip().is_loopback() {
            hosts.push(format!("localhost:{}", bound.port()));
        }
        let app = Arc::new(App {
            corpus,
            index,
            hosts,
            documents: Mutex::new(None),
            warnings: Warnings::default(),
        });
        if !bound.ip().is_loopback() {
            eprintln!(
                "warning: serving on {} — anyone who can reach this address can read the corpus; the default, 127.0.0.1, is reachable from this computer only",
                bound.ip()
            );
        }
        // The one line a user needs; flushed before serving so scripts can wait for it.
        println!("kumiai serve: open http://{bound}/ (Ctrl-C stops)");
        axum::serve(listener, router(app))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
                eprintln!("kumiai serve: stopped");
            })
            .await
            .map_err(ServeError::Io)
    })
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(pages::search))
        .route("/export", get(pages::export))
        .route("/doc", get(pages::document))
        .route("/themes", get(pages::themes))
        .route("/codebook", get(pages::codebook).post(pages::codebook_post))
        .route("/compare", get(pages::compare))
        .route("/compare/export", get(pages::compare_export))
        .route("/trend", get(pages::trend))
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&app), guard))
        .with_state(app)
}

/// The policy of every response: only our own host name, no script, nothing from elsewhere,
/// not framed.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Refuses what a local server must never answer, and sets the security headers.
async fn guard(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let mut response = if !app.hosts.iter().any(|h| h == host) {
        // A page on another site that resolves its name to 127.0.0.1 would send its own name.
        (
            StatusCode::MISDIRECTED_REQUEST,
            "kumiai serve answers only requests for its own address\n",
        )
            .into_response()
    } else if ![Method::GET, Method::HEAD, Method::POST].contains(request.method()) {
        StatusCode::METHOD_NOT_ALLOWED.into_response()
    } else if request
        .uri()
        .query()
        .is_some_and(|q| q.len() > 6 * MAX_QUERY_CHARS)
    {
        // Percent-encoded Japanese takes up to 9 bytes a character; the pages check the
        // decoded length themselves.
        (StatusCode::URI_TOO_LONG, "the query is too long\n").into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A file for the browser to save.
fn attachment(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    // The name is ASCII we made (a stem and an extension); anything else is replaced.
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from(bytes),
    )
        .into_response()
}
