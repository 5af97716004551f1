//! Line framing (docs/protocol.md, section 2): one message per `\n`-terminated line, at most
//! `MAX_LINE_BYTES` bytes. A longer line is reported once and skipped up to its newline; the reader
//! never holds more than the limit (plus one byte) of it.

use std::io::{self, Read};

pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;
const CHUNK: usize = 64 * 1024;

/// What the reader found next.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// A complete line, without its `\n` (nor a `\r` before it).
    Line(Vec<u8>),
    /// A line passed the limit; its bytes are being dropped up to the next `\n`.
    TooLong,
}

pub struct LineReader<R> {
    input: R,
    chunk: Box<[u8]>,
    start: usize,
    end: usize,
    line: Vec<u8>,
    discarding: bool,
    eof: bool,
}

impl<R: Read> LineReader<R> {
    pub fn new(input: R) -> Self {
        LineReader {
            input,
            chunk: vec![0; CHUNK].into_boxed_slice(),
            start: 0,
            end: 0,
            line: Vec::new(),
            discarding: false,
            eof: false,
        }
    }

    /// The next line, `TooLong` once per over-long line, or `None` at the end of input. Blank lines are
    /// skipped; a last line without `\n` is still returned.
    pub fn next_frame(&mut self) -> io::Result<Option<Frame>> {
        loop {
            if self.start == self.end {
                if self.eof {
                    return Ok(self.finish());
                }
                match self.input.read(&mut self.chunk) {
                    Ok(0) => {
                        self.eof = true;
                        continue;
                    }
                    Ok(n) => {
                        self.start = 0;
                        self.end = n;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            }
            let available = &self.chunk[self.start..self.end];
            let newline = available.iter().position(|&b| b == b'\n');
            let piece = &available[..newline.unwrap_or(available.len())];
            self.start += piece.len() + usize::from(newline.is_some());
            if !self.discarding {
                let room = MAX_LINE_BYTES + 1 - self.line.len();
                self.line.extend_from_slice(&piece[..piece.len().min(room)]);
                if self.line.len() > MAX_LINE_BYTES {
                    self.line = Vec::new();
                    self.discarding = newline.is_none();
                    return Ok(Some(Frame::TooLong));
                }
            }
            if newline.is_some() {
                if self.discarding {
                    self.discarding = false;
                    continue;
                }
                if let Some(line) = self.take_line() {
                    return Ok(Some(Frame::Line(line)));
                }
            }
        }
    }

    fn finish(&mut self) -> Option<Frame> {
        if self.discarding {
            return None;
        }
        self.take_line().map(Frame::Line)
    }

    /// Takes the buffered line; `None` when it is blank.
    fn take_line(&mut self) -> Option<Vec<u8>> {
        let mut line = std::mem::take(&mut self.line);
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            None
        } else {
            Some(line)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<Frame> {
        let mut reader = LineReader::new(input);
        let mut out = Vec::new();
        while let Some(frame) = reader.next_frame().unwrap() {
            out.push(frame);
        }
        out
    }

    #[test]
    fn splits_lines_and_drops_blank_ones_and_carriage_returns() {
        assert_eq!(
            frames(b"a\r\n\n  \nb\nlast"),
            vec![Frame::Line(b"a".to_vec()), Frame::Line(b"b".to_vec()), Frame::Line(b"last".to_vec())]
        );
    }

    #[test]
    fn reports_an_over_long_line_once_and_reads_on() {
        let mut input = vec![b'x'; MAX_LINE_BYTES + 10];
        input.extend_from_slice(b"\nnext\n");
        assert_eq!(frames(&input), vec![Frame::TooLong, Frame::Line(b"next".to_vec())]);
    }

    #[test]
    fn accepts_a_line_of_exactly_the_limit() {
        let mut input = vec![b'y'; MAX_LINE_BYTES];
        input.push(b'\n');
        assert_eq!(frames(&input), vec![Frame::Line(vec![b'y'; MAX_LINE_BYTES])]);
    }
}
