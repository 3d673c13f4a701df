//! Terminal input on its own thread, with no key ever lost. crossterm's level-triggered
//! reader (`use-dev-tty`: poll(2) over the terminal and its SIGWINCH pipe) blocks until an
//! event; a resize and a key that arrive together both come out, in turn. (The default
//! edge-triggered reader dropped the key's readiness when it returned the resize first,
//! so the first key after a resize waited for the next one.) A second thread sleeps in
//! poll(2) on the terminal for hang-up only (closed pty, dropped SSH session) and ends the
//! console cleanly instead of leaving a reader spinning on end-of-file.

use super::msg::Msg;
use crossterm::event::Event;
use std::io::IsTerminal;
use tokio::sync::mpsc::UnboundedSender;

/// Blocks until stdin hangs up (or errors). Asks poll(2) for no events: only POLLHUP,
/// POLLERR and POLLNVAL, which are always reported, wake it.
#[cfg(unix)]
fn wait_hang_up() {
    loop {
        let mut fds = libc::pollfd {
            fd: libc::STDIN_FILENO,
            events: 0,
            revents: 0,
        };
        // SAFETY: `fds` is one valid, initialised pollfd and the count passed is 1.
        let n = unsafe { libc::poll(&mut fds, 1, -1) };
        if n < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return;
        }
        if fds.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
            return;
        }
    }
}

/// Decodes one event; `None` for events the console ignores, `Err` when input is gone.
fn next_event() -> Result<Option<Msg>, ()> {
    match crossterm::event::read() {
        Ok(Event::Key(k)) => Ok(Some(Msg::Key(k))),
        Ok(Event::Mouse(m)) => Ok(Some(Msg::Mouse(m))),
        Ok(Event::Resize(w, h)) => Ok(Some(Msg::Resize(w, h))),
        Ok(_) => Ok(None),
        Err(_) => Err(()),
    }
}

pub fn spawn_input(tx: UnboundedSender<Msg>) {
    // Watching stdin for hang-ups only makes sense when it is the terminal (crossterm reads
    // /dev/tty otherwise).
    #[cfg(unix)]
    if std::io::stdin().is_terminal() {
        let t = tx.clone();
        let _ = std::thread::Builder::new()
            .name("console-hangup".into())
            .spawn(move || {
                wait_hang_up();
                let _ = t.send(Msg::Terminate);
            });
    }
    let _ = std::thread::Builder::new()
        .name("console-input".into())
        .spawn(move || {
            loop {
                match next_event() {
                    Ok(Some(msg)) => {
                        if tx.send(msg).is_err() {
                            return;
                        }
                    }
                    Ok(None) => {}
                    Err(()) => {
                        let _ = tx.send(Msg::Terminate);
                        return;
                    }
                }
            }
        });
}
