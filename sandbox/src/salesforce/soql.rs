//! The SOQL subset a hub needs, parsed into a typed query:
//! `SELECT a, b FROM Obj [WHERE f = 'v' [AND g IN ('x', 'y')]...] [LIMIT n]`.

/// A literal in a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Text(String),
    Number(f64),
    Bool(bool),
    Null,
}

/// One condition of the WHERE clause (all are joined by AND).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Equals { field: String, value: Literal },
    In { field: String, values: Vec<Literal> },
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub fields: Vec<String>,
    pub object: String,
    pub conditions: Vec<Condition>,
    pub limit: Option<usize>,
}

/// Why a query could not be parsed (Salesforce's `MALFORMED_QUERY`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MalformedQuery(pub String);

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Number(f64),
    Comma,
    Equals,
    Open,
    Close,
}

fn tokenize(q: &str) -> Result<Vec<Token>, MalformedQuery> {
    let mut tokens = Vec::new();
    let mut chars = q.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            ',' | '=' | '(' | ')' => {
                chars.next();
                tokens.push(match c {
                    ',' => Token::Comma,
                    '=' => Token::Equals,
                    '(' => Token::Open,
                    _ => Token::Close,
                });
            }
            '\'' => {
                chars.next();
                let mut text = String::new();
                loop {
                    match chars.next() {
                        Some('\\') => match chars.next() {
                            Some('n') => text.push('\n'),
                            Some(escaped) => text.push(escaped),
                            None => return Err(MalformedQuery("unterminated string".into())),
                        },
                        Some('\'') => break,
                        Some(other) => text.push(other),
                        None => return Err(MalformedQuery("unterminated string".into())),
                    }
                }
                tokens.push(Token::Text(text));
            }
            c if c.is_ascii_digit() || c == '-' => {
                let mut number = String::new();
                while let Some(&d) = chars.peek() {
                    if d.is_ascii_digit() || d == '.' || d == '-' {
                        number.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                let value =
                    number.parse().map_err(|_| MalformedQuery(format!("unexpected token: '{number}'")))?;
                tokens.push(Token::Number(value));
            }
            c if c.is_ascii_alphanumeric() || c == '_' => {
                let mut word = String::new();
                while let Some(&d) = chars.peek() {
                    if d.is_ascii_alphanumeric() || d == '_' || d == '.' {
                        word.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(Token::Word(word));
            }
            other => return Err(MalformedQuery(format!("unexpected token: '{other}'"))),
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.tokens.get(self.at), Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn expect_keyword(&mut self, keyword: &str) -> Result<(), MalformedQuery> {
        if self.peek_keyword(keyword) {
            self.at += 1;
            Ok(())
        } else {
            Err(MalformedQuery(format!("expecting '{keyword}'")))
        }
    }

    fn identifier(&mut self) -> Result<String, MalformedQuery> {
        match self.next() {
            Some(Token::Word(w)) => Ok(w),
            _ => Err(MalformedQuery("expecting a field or object name".into())),
        }
    }

    fn literal(&mut self) -> Result<Literal, MalformedQuery> {
        match self.next() {
            Some(Token::Text(t)) => Ok(Literal::Text(t)),
            Some(Token::Number(n)) => Ok(Literal::Number(n)),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("null") => Ok(Literal::Null),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("true") => Ok(Literal::Bool(true)),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("false") => Ok(Literal::Bool(false)),
            _ => Err(MalformedQuery("expecting a value".into())),
        }
    }

    fn condition(&mut self) -> Result<Condition, MalformedQuery> {
        let field = self.identifier()?;
        if self.peek_keyword("IN") {
            self.at += 1;
            if self.next() != Some(Token::Open) {
                return Err(MalformedQuery("expecting '(' after IN".into()));
            }
            let mut values = vec![self.literal()?];
            loop {
                match self.next() {
                    Some(Token::Comma) => values.push(self.literal()?),
                    Some(Token::Close) => break,
                    _ => return Err(MalformedQuery("expecting ',' or ')'".into())),
                }
            }
            return Ok(Condition::In { field, values });
        }
        if self.next() != Some(Token::Equals) {
            return Err(MalformedQuery(format!("expecting '=' or IN after {field}")));
        }
        Ok(Condition::Equals { field, value: self.literal()? })
    }
}

/// Parses the supported subset; anything else is `MALFORMED_QUERY`.
pub fn parse(q: &str) -> Result<Query, MalformedQuery> {
    let mut p = Parser { tokens: tokenize(q)?, at: 0 };
    p.expect_keyword("SELECT")?;
    let mut fields = vec![p.identifier()?];
    while p.tokens.get(p.at) == Some(&Token::Comma) {
        p.at += 1;
        fields.push(p.identifier()?);
    }
    p.expect_keyword("FROM")?;
    let object = p.identifier()?;
    let mut conditions = Vec::new();
    if p.peek_keyword("WHERE") {
        p.at += 1;
        conditions.push(p.condition()?);
        while p.peek_keyword("AND") {
            p.at += 1;
            conditions.push(p.condition()?);
        }
    }
    let mut limit = None;
    if p.peek_keyword("LIMIT") {
        p.at += 1;
        match p.next() {
            Some(Token::Number(n)) if n >= 0.0 && n.fract() == 0.0 => limit = Some(n as usize),
            _ => return Err(MalformedQuery("LIMIT needs a whole number".into())),
        }
    }
    if let Some(extra) = p.tokens.get(p.at) {
        return Err(MalformedQuery(format!("unexpected token: {extra:?}")));
    }
    Ok(Query { fields, object, conditions, limit })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_supported_subset() {
        let query = parse(
            "select Id, Status__c FROM Enrollment__c WHERE Legacy_Id__c IN ('e-1', 'o\\'b') and Source_Status__c = 'Active' LIMIT 10",
        )
        .expect("valid");
        assert_eq!(query.fields, ["Id", "Status__c"]);
        assert_eq!(query.object, "Enrollment__c");
        assert_eq!(
            query.conditions,
            [
                Condition::In {
                    field: "Legacy_Id__c".into(),
                    values: vec![Literal::Text("e-1".into()), Literal::Text("o'b".into())]
                },
                Condition::Equals { field: "Source_Status__c".into(), value: Literal::Text("Active".into()) }
            ]
        );
        assert_eq!(query.limit, Some(10));
    }

    #[test]
    fn refuses_what_it_does_not_support() {
        for bad in [
            "",
            "SELECT FROM Contact",
            "SELECT Id FROM Contact WHERE A = 'x' OR B = 'y'",
            "SELECT Id FROM Contact WHERE A = 'x",
            "SELECT Id FROM Contact LIMIT -1",
            "SELECT Id FROM Contact ORDER BY Id",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
