//! The tests of exercise `lossy`. Check your file with `cargo lab check lesson2`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! They feed the decoder pieces, as reads would return them, and compare what comes out with
//! `String::from_utf8_lossy` of all the bytes at once, cut at every point; and they check that
//! it comes out as soon as it can.

#[cfg_attr(feature = "solution", path = "../solutions/lossy.rs")]
#[cfg_attr(feature = "solution2", path = "../solutions/lossy_2.rs")]
#[cfg_attr(feature = "mistake1", path = "../mistakes/lossy_1.rs")]
#[cfg_attr(feature = "mistake2", path = "../mistakes/lossy_2.rs")]
#[cfg_attr(feature = "mistake3", path = "../mistakes/lossy_3.rs")]
#[cfg_attr(feature = "mistake4", path = "../mistakes/lossy_4.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "solution2",
        feature = "mistake1",
        feature = "mistake2",
        feature = "mistake3",
        feature = "mistake4"
    )),
    path = "../lossy.rs"
)]
mod lossy;

use lossy::LossyDecoder;
use socket_lab::demo::bytes;

/// What `decode` returned for each piece, in order, and then what `finish` returned.
fn decode_pieces(pieces: &[&[u8]]) -> (Vec<String>, String) {
    let mut decoder = LossyDecoder::new();
    let decoded = pieces.iter().map(|piece| decoder.decode(piece)).collect();
    (decoded, decoder.finish())
}

/// Pieces for a failure message: `[b"\xe4", b"\xbd"]`.
fn show(pieces: &[&[u8]]) -> String {
    let shown: Vec<String> = pieces.iter().map(|piece| bytes(piece)).collect();
    format!("[{}]", shown.join(", "))
}

/// Decodes `pieces` and expects `decode` to return `expected`, piece by piece, and `finish` to
/// return `expected_finish`; `why` says what the test is about.
fn expect_decoding(pieces: &[&[u8]], expected: &[&str], expected_finish: &str, why: &str) {
    let (decoded, finished) = decode_pieces(pieces);
    assert!(
        decoded == expected && finished == expected_finish,
        "fed the pieces {}: decode returned {decoded:?}, then finish {finished:?}; \
         expected {expected:?}, then {expected_finish:?}: {why}",
        show(pieces)
    );
}

#[test]
fn valid_text_comes_out_as_it_arrives() {
    expect_decoding(
        &["你好, ".as_bytes(), b"world"],
        &["你好, ", "world"],
        "",
        "pieces of whole characters come out whole, at once",
    );
}

#[test]
fn a_character_cut_between_pieces_comes_out_once_complete() {
    let one_byte_each: Vec<&[u8]> = "你好".as_bytes().chunks(1).collect();
    expect_decoding(
        &one_byte_each,
        &["", "", "你", "", "", "好"],
        "",
        "a cut character is no bad sequence: it comes out when its last byte arrives",
    );
}

#[test]
fn bad_bytes_are_replaced_at_once() {
    let why = "bytes that no later byte can make valid become U+FFFD at once, \
               and the text after them comes out with it";
    // "café!" in Latin-1: 0xe9 would start a three-byte character, but `!` cannot continue it.
    expect_decoding(&[b"caf\xe9!", b" ok"], &["caf\u{fffd}!", " ok"], "", why);
    // 0xff and 0xfe start no character at all: one U+FFFD each.
    expect_decoding(&[b"\xff\xfe", b"ok"], &["\u{fffd}\u{fffd}", "ok"], "", why);
    // 0xe4 0xbd may start a character; only the next piece shows that it does not.
    expect_decoding(&[b"\xe4\xbd", b"x"], &["", "\u{fffd}x"], "", why);
}

#[test]
fn a_stream_that_ends_inside_a_character_ends_with_one_replacement() {
    expect_decoding(
        &[b"ok\xe4\xbd"],
        &["ok"],
        "\u{fffd}",
        "the start of a character that never came whole is one bad sequence",
    );
}

/// Streams of bytes, valid and not, for cutting up.
const SAMPLES: [&[u8]; 9] = [
    "你好世界, hello, é, 😀".as_bytes(),
    b"\xe4\xbd\xa0\xff\xe5\xa5\xbd",
    b"caf\xe9!",
    b"a\xf0\x9f\x98\x80b\xc3",
    b"\xed\xa0\x80x",
    b"\xf0\x9f\x98x",
    b"\xc0\x80",
    b"abc\xe4\xbd",
    b"\xe4\xe4\xbd\xa0\xe4",
];

/// Decodes `pieces` and expects the text joined to be what `from_utf8_lossy` makes of them
/// joined.
fn expect_lossy_of_the_whole(data: &[u8], pieces: &[&[u8]]) {
    let (decoded, finished) = decode_pieces(pieces);
    let joined = decoded.concat() + &finished;
    let whole = String::from_utf8_lossy(data);
    assert!(
        joined == whole,
        "fed the pieces {}: decode returned {decoded:?}, then finish {finished:?}; joined, \
         that is {joined:?}, but String::from_utf8_lossy of all the bytes at once gives {whole:?}",
        show(pieces)
    );
}

#[test]
fn any_cut_gives_what_from_utf8_lossy_gives() {
    for data in SAMPLES {
        for at in 0..=data.len() {
            let (first, second) = data.split_at(at);
            expect_lossy_of_the_whole(data, &[first, second]);
        }
        for size in 1..=data.len() {
            let pieces: Vec<&[u8]> = data.chunks(size).collect();
            expect_lossy_of_the_whole(data, &pieces);
        }
    }
}
