//! Decoding UTF-8 that arrives in pieces.
//!
//! A read returns whatever bytes have arrived, and nothing stops the boundary between two reads from
//! falling inside a character: 你 is three bytes, and a read may end after the first one. Decoding
//! each read on its own then fails (strict decoding) or mangles the text (lossy decoding), although
//! no byte is wrong. [`Utf8Decoder`] decodes what the bytes so far complete and keeps the start of a
//! cut character until the next piece completes it, as Python's
//! `codecs.getincrementaldecoder('utf-8')()` does.

use std::fmt;
use std::io;
use std::str;

use socket_lab::demo::bytes;

// ANCHOR: decoder
/// Decodes a stream of UTF-8 bytes that arrives in pieces of any size, strictly.
///
/// The contract:
/// - [`decode`](Self::decode) returns the text of every character that the bytes so far complete,
///   possibly none. A character cut by the end of a piece is not an error: its first bytes (at
///   most 3) wait in the decoder, see [`pending`](Self::pending), until the next piece completes it.
/// - Bytes that are wrong whatever follows them are an error, [`DecodeError::Invalid`]: the decoder
///   never guesses and never replaces. After an error the decoder holds nothing, and the rest of
///   that piece is not decoded: a stream with wrong bytes in it is not text, and its reader should
///   stop reading it as text.
/// - [`finish`](Self::finish) says whether the stream ended between two characters. If it ended
///   inside one, that is an error too, [`DecodeError::Truncated`].
///
/// However the bytes are cut, the texts `decode` returns, joined, are the text that
/// `str::from_utf8` finds in all the bytes joined, and an error comes where it finds one.
#[derive(Debug, Default)]
pub struct Utf8Decoder {
    /// The first bytes of a character whose last bytes have not arrived yet.
    pending: Vec<u8>,
}

impl Utf8Decoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes `piece`, the next bytes of the stream, after the bytes kept from earlier pieces.
    pub fn decode(&mut self, piece: &[u8]) -> Result<String, DecodeError> {
        let mut data = std::mem::take(&mut self.pending);
        data.extend_from_slice(piece);
        let error = match str::from_utf8(&data) {
            Ok(text) => return Ok(text.to_owned()),
            Err(error) => error,
        };
        // std decoded as far as it could: `valid_up_to()` bytes are whole characters.
        let (valid, rest) = data.split_at(error.valid_up_to());
        let decoded = str::from_utf8(valid)
            .expect("the bytes before valid_up_to() are UTF-8")
            .to_owned();
        match error.error_len() {
            // The bytes ended inside a character: keep its start for the next piece.
            None => {
                self.pending = rest.to_vec();
                Ok(decoded)
            }
            // These bytes start no character, or break the one they are in.
            Some(len) => Err(DecodeError::Invalid {
                decoded,
                invalid: rest[..len].to_vec(),
            }),
        }
    }

    /// The first bytes of a cut character, kept until the next piece; empty between characters.
    pub fn pending(&self) -> &[u8] {
        &self.pending
    }

    /// Ends the stream: fine if it ended between two characters, an error if inside one.
    pub fn finish(self) -> Result<(), DecodeError> {
        if self.pending.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::Truncated {
                start: self.pending,
            })
        }
    }
}

/// Bytes that are not UTF-8, found by [`Utf8Decoder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Bytes that no following byte could make valid: std's `error_len()` was `Some`. `decoded` is
    /// the text of the same piece before them, so that none is lost.
    Invalid { decoded: String, invalid: Vec<u8> },
    /// The stream ended inside a character; `start` is what arrived of it.
    Truncated { start: Vec<u8> },
}
// ANCHOR_END: decoder

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Invalid { decoded, invalid } => {
                write!(f, "{} is not UTF-8 (after {decoded:?})", bytes(invalid))
            }
            DecodeError::Truncated { start } => {
                write!(f, "the stream ended inside a character: {}", bytes(start))
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// Bytes that are not UTF-8, where text was expected, are invalid data: `?` turns a
/// [`DecodeError`] into the `io::Error` a reading function returns.
impl From<DecodeError> for io::Error {
    fn from(err: DecodeError) -> Self {
        io::Error::new(io::ErrorKind::InvalidData, err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `data` cut every `size` bytes: the text decoded, joined, and how the stream ended.
    fn decode_in_pieces(data: &[u8], size: usize) -> (String, Result<(), DecodeError>) {
        let mut decoder = Utf8Decoder::new();
        let mut text = String::new();
        for piece in data.chunks(size) {
            match decoder.decode(piece) {
                Ok(decoded) => text.push_str(&decoded),
                Err(error) => {
                    if let DecodeError::Invalid { decoded, .. } = &error {
                        text.push_str(decoded);
                    }
                    return (text, Err(error));
                }
            }
        }
        (text, decoder.finish())
    }

    #[test]
    fn any_cut_gives_back_the_text() {
        let text = "你好世界, hello, é, 😀";
        for size in 1..=text.len() {
            assert_eq!(
                decode_in_pieces(text.as_bytes(), size),
                (text.to_string(), Ok(()))
            );
        }
    }

    #[test]
    fn a_cut_character_waits_for_the_next_piece() {
        let mut decoder = Utf8Decoder::new();
        assert_eq!(decoder.decode(b"\xe4\xbd\xa0\xe5").unwrap(), "你");
        assert_eq!(decoder.pending(), b"\xe5");
        assert_eq!(decoder.decode(b"\xa5").unwrap(), "");
        assert_eq!(decoder.pending(), b"\xe5\xa5");
        assert_eq!(decoder.decode(b"\xbd").unwrap(), "好");
        assert_eq!(decoder.pending(), b"");
        assert_eq!(decoder.finish(), Ok(()));
    }

    #[test]
    fn wrong_bytes_are_an_error_wherever_the_cut_falls() {
        // "café!" in Latin-1: 0xe9 announces a three-byte character, and `!` cannot continue it.
        let latin1 = b"caf\xe9!";
        for size in 1..=latin1.len() {
            let (text, ended) = decode_in_pieces(latin1, size);
            assert_eq!(text, "caf");
            let Err(DecodeError::Invalid { invalid, .. }) = ended else {
                panic!("cut every {size} bytes: {ended:?}");
            };
            assert_eq!(invalid, b"\xe9");
        }
        assert_eq!(
            Utf8Decoder::new().decode(latin1),
            Err(DecodeError::Invalid {
                decoded: "caf".to_string(),
                invalid: b"\xe9".to_vec(),
            })
        );
    }

    #[test]
    fn wrong_bytes_may_begin_in_an_earlier_piece_and_then_nothing_is_kept() {
        let mut decoder = Utf8Decoder::new();
        assert_eq!(decoder.decode(b"\xe4").unwrap(), "");
        // 0xe4 0xa5 could start a character, but `o` cannot be its third byte.
        let error = decoder.decode(b"\xa5ok").unwrap_err();
        assert_eq!(error.to_string(), r#"b"\xe4\xa5" is not UTF-8 (after "")"#);
        assert_eq!(decoder.pending(), b"");
    }

    #[test]
    fn a_stream_that_ends_inside_a_character_is_an_error() {
        let mut decoder = Utf8Decoder::new();
        assert_eq!(decoder.decode(b"\xe4\xbd").unwrap(), "");
        let error = decoder.finish().unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"the stream ended inside a character: b"\xe4\xbd""#
        );
    }

    /// The contract's last sentence: cut anywhere, the decoder says what `str::from_utf8` says of
    /// the bytes joined.
    #[test]
    fn it_agrees_with_std_however_the_bytes_are_cut() {
        let samples: [&[u8]; 7] = [
            "你好世界".as_bytes(),
            b"\xe4\xbd\xa0\xff\xe5\xa5\xbd",
            b"a\xf0\x9f\x98\x80b\xc3",
            b"\xed\xa0\x80x",
            b"\xf0\x9f\x98x",
            b"\xc0\x80",
            b"abc\xe4\xbd",
        ];
        for data in samples {
            for size in 1..=data.len() {
                let (text, ended) = decode_in_pieces(data, size);
                let context = format!("{} cut every {size} bytes", bytes(data));
                match str::from_utf8(data) {
                    Ok(whole) => assert_eq!((text.as_str(), ended), (whole, Ok(())), "{context}"),
                    Err(error) => {
                        let valid = &data[..error.valid_up_to()];
                        assert_eq!(text.as_bytes(), valid, "{context}");
                        match (error.error_len(), ended) {
                            (None, Err(DecodeError::Truncated { start })) => {
                                assert_eq!(start, &data[valid.len()..], "{context}");
                            }
                            (Some(len), Err(DecodeError::Invalid { invalid, .. })) => {
                                assert_eq!(invalid.len(), len, "{context}");
                            }
                            (expected, ended) => {
                                panic!("{context}: std's error_len() {expected:?}, ours {ended:?}")
                            }
                        }
                    }
                }
            }
        }
    }
}
