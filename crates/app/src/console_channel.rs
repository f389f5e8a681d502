//! The console as a channel of the running service: lines typed on standard input are
//! updates, the messages the desk sends are transcript lines on standard output. It is
//! started like the Telegram and Discord channels, in the same runtime
//! ([`crate::serve::run_with`], which starts it): the same host (desk, store, group commit), the same
//! dispatcher, due-job ticker, rules watcher and admin endpoint.
//!
//! Parts:
//! - [`ConsoleIo`]: the lines in ([`stdin_lines`], [`lines_of`]) and the screen out.
//! - [`ConsoleChannel`]: the [`Channel`] that writes each message as a transcript line.
//!   Every message goes through one queue, so the transcript shows them in outbox order.
//! - [`start`]: the greeting, then the task that reads lines: each line is submitted and
//!   made durable, and the next is read only once everything it caused was shown (so that
//!   `presses` finds the buttons just sent, and each line's answers come before the next
//!   line's, as in the demo). Reload news and mistakes in a line are shown between lines.
//!
//! Reading never holds up shutdown: the lines come over a channel, from a thread (standard
//! input, whose reads cannot be cancelled) or a task, and the reading task stops on the
//! shutdown signal without waiting for the next line. The end of input ends the service.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Result;
use switchboard_desk::Store;
use switchboard_domain::sync::lock;
use switchboard_domain::{Host, Outbound};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{Notify, broadcast, mpsc, watch};

use crate::clock::now;
use crate::config::Settings;
use crate::console::{Line, Transcript, parse_line};
use crate::reload::ReloadEvent;
use switchboard_domain::{Channel, DeliveryError as Delivery, Sending};

/// Lines of input as they arrive; `None` (the sender dropped) is the end of input.
pub type Lines = mpsc::Receiver<io::Result<String>>;

/// Where the console reads and writes.
pub struct ConsoleIo {
    /// The lines typed.
    pub input: Lines,
    /// The screen.
    pub output: Box<dyn AsyncWrite + Send + Unpin>,
    /// Told when the input ends: the service stops then.
    pub ended: Arc<watch::Sender<bool>>,
}

/// Standard input's lines, read on a thread of their own: a read of standard input cannot
/// be cancelled, so nothing ever waits for that thread (the process exits without it).
pub fn stdin_lines() -> Lines {
    let (tx, rx) = mpsc::channel(64);
    let spawned = std::thread::Builder::new()
        .name("console-stdin".into())
        .spawn(move || {
            use std::io::BufRead as _;
            for line in io::stdin().lock().lines() {
                let end = line.is_err();
                if tx.blocking_send(line).is_err() || end {
                    return;
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start reading standard input");
    }
    rx
}

/// The lines of `input`, read by a task (for tests and in-process use).
pub fn lines_of<R: AsyncRead + Send + Unpin + 'static>(input: R) -> Lines {
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        let mut lines = BufReader::new(input).lines();
        loop {
            let line = match lines.next_line().await {
                Ok(Some(l)) => Ok(l),
                Ok(None) => return,
                Err(e) => Err(e),
            };
            let end = line.is_err();
            if tx.send(line).await.is_err() || end {
                return;
            }
        }
    });
    rx
}

/// The screen, shared by the channel (messages) and the reading task (news, mistakes).
struct Screen(tokio::sync::Mutex<Box<dyn AsyncWrite + Send + Unpin>>);

impl Screen {
    async fn show(&self, text: &str) -> io::Result<()> {
        let mut out = self.0.lock().await;
        out.write_all(text.as_bytes()).await?;
        out.flush().await
    }
}

/// The console's [`Channel`]: shows each message as a transcript line.
pub struct ConsoleChannel {
    transcript: Arc<Mutex<Transcript>>,
    screen: Arc<Screen>,
    /// Rung after each message shown.
    shown: Arc<Notify>,
}

impl Channel for ConsoleChannel {
    fn name(&self) -> &'static str {
        "console"
    }

    fn route(&self, _: &Outbound) -> Option<String> {
        // The console is the only channel when it runs: everything is shown, in order.
        Some("console".into())
    }

    fn deliver<'a>(&'a self, o: &'a Outbound) -> Sending<'a> {
        Box::pin(async move {
            let line = lock(&self.transcript).shown(o);
            let r = self.screen.show(&format!("{line}\n")).await;
            self.shown.notify_one();
            // The screen is gone (a closed pipe): showing it again cannot help.
            r.map_err(|e| Delivery::Permanent(format!("cannot write to the console: {e}")))
        })
    }

    fn stop_sending(&self) {}
}

/// Turns an interactive line into a console line: the script syntax, or plain text, which
/// is a message from the customer `you`.
fn interactive(line: &str) -> std::result::Result<Option<Line>, String> {
    let first = line.split_whitespace().next().unwrap_or("");
    match parse_line(line) {
        Ok(Some(Line::Wait(_))) => {
            Err("`wait` is for scripts: the console runs on the real clock".into())
        }
        Err(e) if matches!(first, "customer" | "agent" | "wait") => Err(e),
        Err(_) => Ok(Some(Line::Customer {
            name: "you".into(),
            text: line.trim().to_string(),
        })),
        ok => ok,
    }
}

/// What the reading task works with.
struct Reader {
    settings: Arc<Settings>,
    store: Arc<dyn Store>,
    host: Arc<dyn Host>,
    transcript: Arc<Mutex<Transcript>>,
    screen: Arc<Screen>,
    shown: Arc<Notify>,
    shutdown: watch::Receiver<bool>,
}

/// How often the reading task looks at the outbox while it waits for a line's messages to
/// be shown, besides when a message is shown.
const SETTLE_POLL: Duration = Duration::from_millis(20);

impl Reader {
    /// Plays one typed line: submits it, makes it durable and waits until everything in
    /// the outbox was shown. An error is one the service cannot go on after.
    async fn line(&mut self, text: &str) -> Result<(), String> {
        let line = match interactive(text) {
            Ok(None) => return Ok(()),
            Ok(Some(l)) => l,
            Err(e) => return self.say(&e).await,
        };
        let inbound = lock(&self.transcript).inbound(&line, now());
        let inbound = match inbound {
            Ok(Some(i)) => i,
            // `wait` is refused above.
            Ok(None) => return Ok(()),
            Err(e) => return self.say(&e).await,
        };
        self.host.submit(&inbound).map_err(|e| e.to_string())?;
        self.host.durable().await.map_err(|e| e.to_string())?;
        self.settle().await;
        Ok(())
    }

    /// Shows a sentence of the console's own.
    async fn say(&self, text: &str) -> Result<(), String> {
        self.screen
            .show(&format!("{text}\n"))
            .await
            .map_err(|e| format!("cannot write to the console: {e}"))
    }

    /// Waits until the outbox is empty (everything shown), or shutdown.
    async fn settle(&mut self) {
        loop {
            match self.store.outbox(1) {
                Ok(b) if b.is_empty() => return,
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the outbox");
                    return;
                }
            }
            tokio::select! {
                _ = self.shown.notified() => {}
                _ = tokio::time::sleep(SETTLE_POLL) => {}
                _ = self.shutdown.changed() => return,
            }
        }
    }

    /// The news of a reload, as the console shows it (a line, or a line and the problems).
    fn reload_news(&self, ev: ReloadEvent) -> String {
        let (p, locale) = (
            &self.settings.prompts,
            &self.settings.config.general.default_locale,
        );
        match ev {
            ReloadEvent::Reloaded { file, .. } => {
                p.get(locale, "console.rules_reloaded", &[("file", &file)])
            }
            ReloadEvent::Refused { file, problems } => {
                let mut s = p.get(locale, "console.rules_refused", &[("file", &file)]);
                for problem in problems {
                    s.push_str(&format!("\n{problem}"));
                }
                s
            }
        }
    }
}

/// Starts the console channel: shows the greeting, then reads lines into `host` until the
/// input ends (then `io.ended` is told) or `shutdown`. A failure it cannot go on after
/// (the input or the screen broke, the store failed) goes to `fatal`. Returns the channel
/// and the reading task.
pub async fn start(
    settings: Arc<Settings>,
    io: ConsoleIo,
    store: Arc<dyn Store>,
    host: Arc<dyn Host>,
    mut reloads: broadcast::Receiver<ReloadEvent>,
    shutdown: watch::Receiver<bool>,
    fatal: mpsc::UnboundedSender<String>,
) -> Result<(Arc<ConsoleChannel>, tokio::task::JoinHandle<()>)> {
    let screen = Arc::new(Screen(tokio::sync::Mutex::new(io.output)));
    let transcript = Arc::new(Mutex::new(Transcript::new()));
    let shown = Arc::new(Notify::new());
    let greeting = settings.prompts.get(
        &settings.config.general.default_locale,
        "console.greeting",
        &[],
    );
    screen.show(&format!("{greeting}\n")).await?;
    let channel = Arc::new(ConsoleChannel {
        transcript: transcript.clone(),
        screen: screen.clone(),
        shown: shown.clone(),
    });
    let mut reader = Reader {
        settings,
        store,
        host,
        transcript,
        screen,
        shown,
        shutdown: shutdown.clone(),
    };
    let (mut input, ended) = (io.input, io.ended);
    let mut shutdown = shutdown;
    let task = tokio::spawn(async move {
        loop {
            let step = tokio::select! {
                line = input.recv() => match line {
                    None => {
                        let _ = ended.send(true);
                        return;
                    }
                    Some(Err(e)) => Err(format!("cannot read the console's input: {e}")),
                    Some(Ok(line)) => reader.line(&line).await,
                },
                Ok(ev) = reloads.recv() => reader.say(&reader.reload_news(ev)).await,
                _ = shutdown.changed() => return,
            };
            if let Err(e) = step {
                let _ = fatal.send(e);
                return;
            }
        }
    });
    Ok((channel, task))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_the_customer_you_and_wait_is_refused() {
        assert_eq!(
            interactive("hello there").unwrap(),
            Some(Line::Customer {
                name: "you".into(),
                text: "hello there".into()
            })
        );
        assert!(interactive("wait 5m").unwrap_err().contains("for scripts"));
        assert!(interactive("agent bob presses Claim").is_err());
        assert_eq!(interactive("# note").unwrap(), None);
    }
}
