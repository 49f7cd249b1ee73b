//! Strings that match a regular expression, for probes: the longest and the shortest match of
//! the small regex subset JSON Schemas use (literals, escapes, classes, groups, alternation,
//! quantifiers). Anything outside the subset gives `None` and the caller falls back.

/// One element of a parsed pattern.
#[derive(Debug, Clone)]
enum Atom {
    /// A character to emit (a class is represented by one of its members).
    Char(char),
    /// A group: alternatives, each a sequence.
    Group(Vec<Vec<Piece>>),
}

#[derive(Debug, Clone)]
struct Piece {
    atom: Atom,
    min: usize,
    /// `None`: unbounded (`*`, `+`, `{n,}`).
    max: Option<usize>,
}

/// The longest string matching `pattern`, with unbounded repetitions taken `unbounded` times.
pub fn longest_match(pattern: &str, unbounded: usize) -> Option<String> {
    let alternatives = parse(pattern)?;
    let mut out = String::new();
    emit_longest(&alternatives, unbounded, &mut out);
    Some(out)
}

/// The shortest string matching `pattern`.
pub fn shortest_match(pattern: &str) -> Option<String> {
    let alternatives = parse(pattern)?;
    let mut out = String::new();
    emit_shortest(&alternatives, &mut out);
    Some(out)
}

fn emit_longest(alternatives: &[Vec<Piece>], unbounded: usize, out: &mut String) {
    let longest = alternatives.iter().max_by_key(|seq| {
        let mut probe = String::new();
        emit_sequence(seq, &mut probe, &|p| p.max.unwrap_or(unbounded), unbounded);
        probe.chars().count()
    });
    if let Some(sequence) = longest {
        emit_sequence(sequence, out, &|piece| piece.max.unwrap_or(unbounded), unbounded);
    }
}

fn emit_shortest(alternatives: &[Vec<Piece>], out: &mut String) {
    let shortest = alternatives.iter().min_by_key(|seq| {
        let mut probe = String::new();
        emit_sequence(seq, &mut probe, &|p| p.min, 0);
        probe.chars().count()
    });
    if let Some(sequence) = shortest {
        emit_sequence(sequence, out, &|piece| piece.min, 0);
    }
}

fn emit_sequence(sequence: &[Piece], out: &mut String, count: &dyn Fn(&Piece) -> usize, unbounded: usize) {
    for piece in sequence {
        for _ in 0..count(piece) {
            match &piece.atom {
                Atom::Char(c) => out.push(*c),
                Atom::Group(alternatives) if unbounded > 0 => emit_longest(alternatives, unbounded, out),
                Atom::Group(alternatives) => emit_shortest(alternatives, out),
            }
        }
    }
}

fn parse(pattern: &str) -> Option<Vec<Vec<Piece>>> {
    let body = pattern.strip_prefix('^').unwrap_or(pattern);
    let body = body.strip_suffix('$').filter(|b| !b.ends_with('\\')).unwrap_or(body);
    let chars: Vec<char> = body.chars().collect();
    let mut position = 0;
    let alternatives = parse_alternatives(&chars, &mut position)?;
    (position == chars.len()).then_some(alternatives)
}

fn parse_alternatives(chars: &[char], position: &mut usize) -> Option<Vec<Vec<Piece>>> {
    let mut alternatives = vec![Vec::new()];
    while let Some(&c) = chars.get(*position) {
        match c {
            ')' => break,
            '|' => {
                *position += 1;
                alternatives.push(Vec::new());
            }
            _ => {
                let atom = parse_atom(chars, position)?;
                let (min, max) = parse_quantifier(chars, position)?;
                alternatives.last_mut()?.push(Piece { atom, min, max });
            }
        }
    }
    Some(alternatives)
}

fn parse_atom(chars: &[char], position: &mut usize) -> Option<Atom> {
    let c = *chars.get(*position)?;
    *position += 1;
    match c {
        '(' => {
            if chars.get(*position) == Some(&'?') {
                // Non-capturing group `(?:...)`.
                if chars.get(*position + 1) != Some(&':') {
                    return None;
                }
                *position += 2;
            }
            let alternatives = parse_alternatives(chars, position)?;
            (chars.get(*position) == Some(&')')).then_some(())?;
            *position += 1;
            Some(Atom::Group(alternatives))
        }
        '[' => parse_class(chars, position).map(Atom::Char),
        '\\' => {
            let escaped = *chars.get(*position)?;
            *position += 1;
            Some(Atom::Char(match escaped {
                'd' => '0',
                'w' => 'a',
                's' => ' ',
                'D' | 'W' | 'S' => 'x',
                other if other.is_ascii_alphanumeric() => return None,
                other => other,
            }))
        }
        '.' => Some(Atom::Char('a')),
        '*' | '+' | '?' | '{' | '}' | ']' | '^' | '$' => None,
        other => Some(Atom::Char(other)),
    }
}

/// A member of a character class: the first character of the first range or literal.
fn parse_class(chars: &[char], position: &mut usize) -> Option<char> {
    let negated = chars.get(*position) == Some(&'^');
    if negated {
        *position += 1;
    }
    let mut first = None;
    let mut excluded = Vec::new();
    let mut start = true;
    while let Some(&c) = chars.get(*position) {
        if c == ']' && !start {
            *position += 1;
            return if negated {
                ['x', 'a', '0', 'Z'].into_iter().find(|candidate| !excluded.contains(candidate))
            } else {
                first
            };
        }
        start = false;
        let member = if c == '\\' {
            *position += 1;
            match *chars.get(*position)? {
                'd' => '0',
                'w' => 'a',
                's' => ' ',
                other => other,
            }
        } else {
            c
        };
        *position += 1;
        excluded.push(member);
        first.get_or_insert(member);
    }
    None
}

fn parse_quantifier(chars: &[char], position: &mut usize) -> Option<(usize, Option<usize>)> {
    let quantifier = match chars.get(*position) {
        Some('?') => (0, Some(1)),
        Some('*') => (0, None),
        Some('+') => (1, None),
        Some('{') => {
            let close = chars[*position..].iter().position(|c| *c == '}')? + *position;
            let inside: String = chars[*position + 1..close].iter().collect();
            *position = close;
            match inside.split_once(',') {
                None => {
                    let n = inside.trim().parse().ok()?;
                    (n, Some(n))
                }
                Some((low, "")) => (low.trim().parse().ok()?, None),
                Some((low, high)) => (low.trim().parse().ok()?, Some(high.trim().parse().ok()?)),
            }
        }
        _ => return Some((1, Some(1))),
    };
    *position += 1;
    Some(quantifier)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_longest_and_shortest_matches() {
        assert_eq!(longest_match("^[A-Z]{2}$", 300).as_deref(), Some("AA"));
        assert_eq!(
            longest_match(r"^-?[0-9]{1,12}(\.[0-9]{1,4})?$", 300).as_deref(),
            Some("-000000000000.0000")
        );
        assert_eq!(shortest_match(r"^-?[0-9]{1,12}(\.[0-9]{1,4})?$").as_deref(), Some("0"));
        assert_eq!(longest_match("^[a-z][a-z0-9_-]{0,63}$", 300).map(|s| s.len()), Some(64));
        assert_eq!(longest_match("^(ab|c)+$", 3).as_deref(), Some("ababab"));
        assert_eq!(longest_match("^[^@]+@x$", 2).as_deref(), Some("xx@x"));
    }

    #[test]
    fn unsupported_patterns_give_none() {
        assert_eq!(longest_match(r"^\p{L}+$", 3), None);
        assert_eq!(longest_match("^(a$", 3), None);
        assert_eq!(longest_match("(?=a)", 3), None);
    }
}
