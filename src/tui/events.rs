//! Terminal input on its own thread. It sleeps in poll(2) until the terminal has bytes or
//! hangs up, then lets crossterm decode them; a hang-up (closed pty, dropped SSH session)
//! ends the console cleanly instead of spinning on end-of-file.

use super::msg::Msg;
use crossterm::event::Event;
use std::io::IsTerminal;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

enum Readiness {
    Ready,
    HungUp,
}

#[cfg(unix)]
fn wait_readable() -> Readiness {
    loop {
        let mut fds = libc::pollfd {
            fd: libc::STDIN_FILENO,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: `fds` is one valid, initialised pollfd and the count passed is 1.
        let n = unsafe { libc::poll(&mut fds, 1, -1) };
        if n < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Readiness::HungUp;
        }
        if fds.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
            return Readiness::HungUp;
        }
        if fds.revents & libc::POLLIN != 0 {
            return Readiness::Ready;
        }
    }
}

#[cfg(not(unix))]
fn wait_readable() -> Readiness {
    Readiness::Ready
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
    let watch_stdin = std::io::stdin().is_terminal();
    let _ = std::thread::Builder::new()
        .name("console-input".into())
        .spawn(move || {
            loop {
                if watch_stdin && matches!(wait_readable(), Readiness::HungUp) {
                    let _ = tx.send(Msg::Terminate);
                    return;
                }
                // Drain everything crossterm has buffered before sleeping again.
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
                    if !matches!(crossterm::event::poll(Duration::ZERO), Ok(true)) {
                        break;
                    }
                }
            }
        });
}
