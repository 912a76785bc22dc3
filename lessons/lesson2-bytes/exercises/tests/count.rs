//! The tests of exercise `count`. Check your file with `cargo lab check lesson2`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! A real client sends lines to the server over loopback the way a network delivers them: whole,
//! several in one write, 5 bytes or 4096 bytes or a byte per write, and a last line cut short by
//! its close. It checks each answer. The tests outside `mod rust_only` speak only over the
//! socket, so a teacher can run them against a server in any language:
//! `cargo lab check lesson2 count --server "CMD"`.

#[cfg_attr(feature = "solution", path = "../solutions/count.rs")]
#[cfg_attr(feature = "solution2", path = "../solutions/count_2.rs")]
#[cfg_attr(feature = "mistake1", path = "../mistakes/count_1.rs")]
#[cfg_attr(feature = "mistake2", path = "../mistakes/count_2.rs")]
#[cfg_attr(feature = "mistake3", path = "../mistakes/count_3.rs")]
#[cfg_attr(feature = "mistake4", path = "../mistakes/count_4.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "solution2",
        feature = "mistake1",
        feature = "mistake2",
        feature = "mistake3",
        feature = "mistake4"
    )),
    path = "../count.rs"
)]
mod count;

use std::net::TcpStream;

use socket_lab::exercise::{self, Ended, Pace, Server, Steps, preview};

fn start_counting_server() -> Server {
    exercise::start_server(|listener| exercise::each_connection(listener, count::count_characters))
}

/// A line for the steps: its text if it is UTF-8 and short, and its size in bytes.
fn show(line: &[u8]) -> String {
    match std::str::from_utf8(line) {
        Ok(text) if text.chars().count() <= 24 => format!("{text:?} ({} bytes)", line.len()),
        Ok(text) => format!(
            "a line of {} characters ({} bytes)",
            text.chars().count() - usize::from(text.ends_with('\n')),
            line.len()
        ),
        Err(_) => preview(line),
    }
}

/// What a wrong answer to `line`, sent at `pace`, says about the server, in words.
fn wrong_answer(line: &[u8], pace: Pace, answer: &[u8], expected: &str) -> String {
    let body = line.strip_suffix(b"\n").unwrap_or(line);
    let answered = std::str::from_utf8(answer)
        .ok()
        .and_then(|text| text.trim_end().parse::<usize>().ok());
    let characters = std::str::from_utf8(body)
        .ok()
        .map(|text| text.chars().count());
    match (answered, characters) {
        (Some(number), Some(characters)) if number == body.len() && number != characters => {
            "the answer is the line's number of bytes, not of characters".to_string()
        }
        (Some(number), Some(characters)) if number < characters && pace != Pace::Whole => {
            "only part of the line was counted: a read ends anywhere, not at the end of a line"
                .to_string()
        }
        _ => format!("the answer is not {}", preview(expected.as_bytes())),
    }
}

/// Sends `line` at `pace` and expects `expected` back, one line.
fn send_and_expect(
    steps: &mut Steps,
    conn: &mut TcpStream,
    line: &[u8],
    pace: Pace,
    expected: &str,
) {
    steps.send(conn, line, pace, &show(line));
    expect_answer(steps, conn, line, pace, expected);
}

/// Expects the next answer, to `line` sent at `pace`, to be `expected`.
fn expect_answer(steps: &mut Steps, conn: &mut TcpStream, line: &[u8], pace: Pace, expected: &str) {
    let step = format!("expect the answer {}", preview(expected.as_bytes()));
    match exercise::read_line(conn) {
        Ok(answer) if answer == expected.as_bytes() => steps.got(step),
        Ok(answer) => steps.failed(
            step,
            preview(&answer),
            wrong_answer(line, pace, &answer, expected),
        ),
        Err(short) => {
            let why = match short.ended {
                Ended::Closed => "the server closed the connection instead of answering",
                Ended::TimedOut => {
                    "the server did not answer: is the line's `\\n` seen when it arrives?"
                }
                Ended::Failed(_) => "the connection failed",
            };
            steps.failed(step, &short, why)
        }
    }
}

/// Sends a last line without its `\n`, closes the client's sending side, and expects the server
/// to close too, with no answer to that line: it was cut short by the close.
fn cut_short_and_expect_the_server_to_close(steps: &mut Steps, mut conn: TcpStream) {
    steps.send(&mut conn, b"cut short", Pace::Whole, &show(b"cut short"));
    steps.shut_down_sending(&conn);
    let step = "expect the server to close the connection, with no answer to the line cut short";
    match exercise::read_until_closed(&mut conn) {
        Ok(more) if more.is_empty() => steps.got(step),
        Ok(more) => steps.failed(
            step,
            format!("{}, then the close", preview(&more)),
            "the server answered a line cut short by the close",
        ),
        Err(short) if short.received.is_empty() => steps.failed(
            step,
            &short,
            "the server did not close the connection once the client had closed its sending \
             side: does it see the read that returns 0?",
        ),
        Err(short) => steps.failed(
            step,
            &short,
            "the server answered a line cut short by the close",
        ),
    }
}

#[test]
fn a_line_is_answered_with_its_number_of_characters() {
    let server = start_counting_server();
    let mut steps = Steps::new();
    let mut conn = steps.connect(server.addr());
    send_and_expect(&mut steps, &mut conn, b"hello\n", Pace::Whole, "5\n");
    // 13 bytes, 9 characters.
    send_and_expect(
        &mut steps,
        &mut conn,
        "你好, world\n".as_bytes(),
        Pace::Whole,
        "9\n",
    );
    // Reads that end inside the line, 5 bytes or 4096 bytes in.
    send_and_expect(
        &mut steps,
        &mut conn,
        b"hello, world\n",
        Pace::Drip(5),
        "12\n",
    );
    let long = [vec![b'a'; 10_000], b"\n".to_vec()].concat();
    send_and_expect(&mut steps, &mut conn, &long, Pace::Drip(4096), "10000\n");
    cut_short_and_expect_the_server_to_close(&mut steps, conn);
}

#[test]
fn a_line_sent_one_byte_per_write_is_counted_the_same() {
    let server = start_counting_server();
    let mut steps = Steps::new();
    let mut conn = steps.connect(server.addr());
    let line = "你好\n".as_bytes();
    send_and_expect(&mut steps, &mut conn, line, Pace::Whole, "2\n");
    // The same line, its characters cut between reads.
    steps.send(&mut conn, line, Pace::Drip(1), &show(line));
    let step = "expect the same answer, b\"2\\n\"";
    match exercise::read_line(&mut conn) {
        Ok(answer) if answer == b"2\n" => steps.got(step),
        Ok(answer) => steps.failed(
            step,
            preview(&answer),
            "the same line was answered differently sent a byte per write: a read may end \
             inside a character",
        ),
        Err(short) => steps.failed(
            step,
            &short,
            "the same line got no answer sent a byte per write: a read may end inside a \
             character",
        ),
    }
    cut_short_and_expect_the_server_to_close(&mut steps, conn);
}

#[test]
fn a_line_that_is_not_utf8_is_answered_not_utf8() {
    let server = start_counting_server();
    let mut steps = Steps::new();
    let mut conn = steps.connect(server.addr());
    // "café" in Latin-1: 0xe9 would start a three-byte character, and `\n` cannot continue it.
    send_and_expect(
        &mut steps,
        &mut conn,
        b"caf\xe9\n",
        Pace::Whole,
        "not UTF-8\n",
    );
    // The server goes on with the next line.
    send_and_expect(
        &mut steps,
        &mut conn,
        "café\n".as_bytes(),
        Pace::Whole,
        "4\n",
    );
    cut_short_and_expect_the_server_to_close(&mut steps, conn);
}

#[test]
fn lines_that_arrive_together_are_answered_each() {
    let server = start_counting_server();
    let mut steps = Steps::new();
    let mut conn = steps.connect(server.addr());
    // Three lines in one write, the second empty: three answers.
    let lines = "你好\n\nworld\n".as_bytes();
    steps.send(&mut conn, lines, Pace::Whole, &show(lines));
    for (line, expected) in [("你好\n", "2\n"), ("\n", "0\n"), ("world\n", "5\n")] {
        expect_answer(
            &mut steps,
            &mut conn,
            line.as_bytes(),
            Pace::Whole,
            expected,
        );
    }
    cut_short_and_expect_the_server_to_close(&mut steps, conn);
}

/// Tests that hand `count_characters` something other than a socket, so they check Rust code
/// only; the checker skips them when it checks a command (`--server`).
mod rust_only {
    use super::*;
    use socket_lab::exercise::ShortReads;

    #[test]
    fn a_line_read_one_byte_at_a_time_is_counted_the_same() {
        // Each read returns one byte, however the client wrote them: the worst a network can do.
        let server = exercise::start_rust_server(|listener| {
            exercise::each_connection(listener, |conn| {
                count::count_characters(ShortReads::new(conn, 1))
            })
        });
        let mut steps = Steps::new();
        steps.did("(the server's reads return one byte each)");
        let mut conn = steps.connect(server.addr());
        send_and_expect(
            &mut steps,
            &mut conn,
            "你好世界\n".as_bytes(),
            Pace::Whole,
            "4\n",
        );
        cut_short_and_expect_the_server_to_close(&mut steps, conn);
    }
}
