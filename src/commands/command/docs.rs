//! COMMAND DOCS `arguments`: the argument tree of a command, derived from
//! the `syntax` string its spec declares (Redis's documentation syntax):
//!
//! - `WORD` in capitals is a token: alone a `pure-token`, followed by one
//!   name an argument with that token (`EX seconds`), by several a block
//!   (`LIMIT offset count`), by a group a `oneof` with that token;
//! - a lowercase name is an argument, typed by its name (`key`, `count` →
//!   integer, `score` → double, `pattern`, `unix-time-seconds` …);
//! - `[...]` is optional, `<...>` or `(...)` groups, `a | b` is a `oneof`;
//! - `x [x ...]` is `x` with the `multiple` flag (`TOKEN x [TOKEN x ...]`
//!   adds `multiple_token`); several repeated items form a `block`.
//!
//! redis-cli 7 builds its hints from this tree.

use crate::commands::{CommandSpec, flags};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    String,
    Integer,
    Double,
    Key,
    Pattern,
    UnixTime,
    PureToken,
    OneOf,
    Block,
}

impl ArgType {
    pub fn name(self) -> &'static str {
        match self {
            ArgType::String => "string",
            ArgType::Integer => "integer",
            ArgType::Double => "double",
            ArgType::Key => "key",
            ArgType::Pattern => "pattern",
            ArgType::UnixTime => "unix-time",
            ArgType::PureToken => "pure-token",
            ArgType::OneOf => "oneof",
            ArgType::Block => "block",
        }
    }
}

/// One documented argument.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub name: String,
    pub kind: ArgType,
    pub key_spec_index: Option<usize>,
    pub token: Option<String>,
    pub optional: bool,
    pub multiple: bool,
    pub multiple_token: bool,
    pub args: Vec<Arg>,
}

impl Arg {
    fn new(name: String, kind: ArgType) -> Arg {
        Arg {
            name,
            kind,
            key_spec_index: None,
            token: None,
            optional: false,
            multiple: false,
            multiple_token: false,
            args: Vec::new(),
        }
    }

    /// The argument flags COMMAND DOCS lists, in Redis's order.
    pub fn flag_names(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.optional {
            v.push("optional");
        }
        if self.multiple {
            v.push("multiple");
        }
        if self.multiple_token {
            v.push("multiple_token");
        }
        v
    }
}

/// The syntax as a tree of words and groups.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Word(String),
    Ellipsis,
    Optional(Vec<Node>),
    Group(Vec<Node>),
    Alt(Vec<Vec<Node>>),
}

fn tokenize(syntax: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for ch in syntax.chars() {
        match ch {
            '[' | ']' | '<' | '>' | '(' | ')' | '|' | ' ' => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
                if ch != ' ' {
                    out.push(ch.to_string());
                }
            }
            _ => word.push(ch),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Parses a sequence with alternatives up to `close` (or the end).
fn parse_alt(toks: &[String], pos: &mut usize, close: Option<&str>) -> Vec<Node> {
    let mut alts: Vec<Vec<Node>> = vec![Vec::new()];
    while *pos < toks.len() {
        let t = toks[*pos].as_str();
        *pos += 1;
        match t {
            _ if Some(t) == close => break,
            "|" => alts.push(Vec::new()),
            "[" => {
                let inner = parse_alt(toks, pos, Some("]"));
                alts.last_mut().expect("one alternative").push(Node::Optional(inner));
            }
            "<" | "(" => {
                let inner = parse_alt(toks, pos, Some(if t == "<" { ">" } else { ")" }));
                alts.last_mut().expect("one alternative").push(Node::Group(inner));
            }
            "]" | ">" | ")" => {}
            "..." => alts.last_mut().expect("one alternative").push(Node::Ellipsis),
            w => alts.last_mut().expect("one alternative").push(Node::Word(w.to_string())),
        }
    }
    if alts.len() == 1 { alts.pop().expect("one alternative") } else { vec![Node::Alt(alts)] }
}

fn is_token(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_alphabetic()) && !word.chars().any(|c| c.is_ascii_lowercase())
}

/// Context for typing arguments by name.
struct Ctx<'a> {
    cmd: &'a str,
    spec: &'a CommandSpec,
    keys: usize,
    key_specs: usize,
}

impl Ctx<'_> {
    fn value_arg(&mut self, name: &str) -> Arg {
        let kind = self.type_of(name);
        let mut a = Arg::new(name.to_string(), kind);
        if kind == ArgType::Key {
            a.key_spec_index = Some(self.keys.min(self.key_specs.saturating_sub(1)));
            self.keys += 1;
        }
        a
    }

    fn type_of(&self, name: &str) -> ArgType {
        let cmd = self.cmd;
        match name {
            // CLUSTER KEYSLOT's key is a plain string to Redis (no key spec).
            "key" if cmd == "cluster|keyslot" => ArgType::String,
            "key" | "source" | "destination" | "newkey" | "destkey" | "sourcekey" => ArgType::Key,
            "pattern" => ArgType::Pattern,
            "unix-time-seconds" | "unix-time-milliseconds" | "unix-time" => ArgType::UnixTime,
            "score" | "longitude" | "latitude" | "radius" | "width" | "height" => ArgType::Double,
            "min" | "max" if !cmd.contains("lex") && cmd.starts_with('z') => ArgType::Double,
            "increment" if cmd.contains("float") || cmd == "zincrby" => ArgType::Double,
            "timeout" if self.spec.has(flags::BLOCKING) => ArgType::Double,
            "count" | "seconds" | "milliseconds" | "numkeys" | "index" | "index1" | "index2" | "offset" | "end"
            | "db" | "destination-db" | "port" | "cursor" | "numreplicas" | "ttl" | "client-id" | "increment"
            | "decrement" | "timeout" | "numfields" | "bit" | "rank" | "maxlen" | "len" | "numints" | "delay"
            | "database" | "protover" | "slot" | "start-slot" | "end-slot" | "cluster_bus_port" | "config-epoch" => {
                ArgType::Integer
            }
            "start" | "stop" if !cmd.starts_with('z') || cmd == "zremrangebyrank" => ArgType::Integer,
            _ => ArgType::String,
        }
    }
}

/// Converts a node sequence to arguments, merging repetitions and binding
/// tokens to what follows them.
fn convert_seq(nodes: &[Node], cx: &mut Ctx) -> Vec<Arg> {
    // First fold `x [x ...]` repetitions into marked items.
    let mut items: Vec<Item> = Vec::new();
    for node in nodes {
        if let Node::Optional(inner) = node
            && inner.last() == Some(&Node::Ellipsis)
        {
            let rep = &inner[..inner.len() - 1];
            let k = rep.len();
            // `x [x ...]` and `TOKEN x [TOKEN x ...]`: the repeated items
            // precede the bracket.
            if k > 0 && items.len() >= k && items[items.len() - k..].iter().map(|i| &i.node).eq(rep.iter()) {
                let with_token = matches!(&rep[0], Node::Word(w) if is_token(w));
                let run: Vec<Item> = items.drain(items.len() - k..).collect();
                items.push(Item::repeated(run, with_token));
                continue;
            }
        }
        if *node == Node::Ellipsis {
            if let Some(last) = items.pop() {
                items.push(Item::repeated(vec![last], false));
            }
            continue;
        }
        items.push(Item { node: node.clone(), repeat: None });
    }
    // Then bind tokens to the values that follow them.
    let mut out = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let item = &items[i];
        if let Some(token) = item.token_word() {
            let mut j = i + 1;
            while j < items.len() && items[j].token_word().is_none() && !items[j].is_optional() {
                j += 1;
            }
            let values: Vec<Arg> = items[i + 1..j].iter().flat_map(|it| convert_item(it, cx)).collect();
            let mut arg = match values.len() {
                0 => {
                    let mut a = Arg::new(token.to_ascii_lowercase(), ArgType::PureToken);
                    a.token = Some(token.to_string());
                    out.push(a);
                    i = j;
                    continue;
                }
                1 => values.into_iter().next().expect("one value"),
                _ => block(values),
            };
            arg.token = Some(token.to_string());
            out.push(arg);
            i = j;
        } else {
            out.extend(convert_item(item, cx));
            i += 1;
        }
    }
    out
}

/// A node with its repetition, if it stands for `x [x ...]`.
struct Item {
    node: Node,
    /// The repeated items (more than one, or one with a token), and whether
    /// the token repeats too.
    repeat: Option<(Vec<Item>, bool)>,
}

impl Item {
    fn repeated(run: Vec<Item>, with_token: bool) -> Item {
        if run.len() == 1 && run[0].repeat.is_none() {
            let only = run.into_iter().next().expect("one item");
            return Item { node: only.node.clone(), repeat: Some((vec![only], false)) };
        }
        let node = Node::Group(run.iter().map(|i| i.node.clone()).collect());
        Item { node, repeat: Some((run, with_token)) }
    }

    /// The token word if this item is a bare capitalised word.
    fn token_word(&self) -> Option<&str> {
        match (&self.node, &self.repeat) {
            (Node::Word(w), None) if is_token(w) => Some(w),
            _ => None,
        }
    }

    fn is_optional(&self) -> bool {
        matches!(self.node, Node::Optional(_))
    }
}

fn block(args: Vec<Arg>) -> Arg {
    let name = args.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join("_");
    let mut b = Arg::new(name, ArgType::Block);
    b.args = args;
    b
}

fn one(mut args: Vec<Arg>) -> Option<Arg> {
    match args.len() {
        0 => None,
        1 => args.pop(),
        _ => Some(block(args)),
    }
}

fn convert_item(item: &Item, cx: &mut Ctx) -> Vec<Arg> {
    if let Some((run, with_token)) = &item.repeat {
        let nodes: Vec<Node> = run.iter().map(|i| i.node.clone()).collect();
        let Some(mut arg) = one(convert_seq(&nodes, cx)) else { return Vec::new() };
        arg.multiple = true;
        arg.multiple_token = *with_token && arg.token.is_some();
        return vec![arg];
    }
    match &item.node {
        // MIGRATE's `""`: the empty string as a literal.
        Node::Word(w) if w == "\"\"" => {
            let mut a = Arg::new("empty_string".into(), ArgType::PureToken);
            a.token = Some(String::new());
            vec![a]
        }
        Node::Word(w) if is_token(w) => {
            let mut a = Arg::new(w.to_ascii_lowercase(), ArgType::PureToken);
            a.token = Some(w.clone());
            vec![a]
        }
        Node::Word(w) => vec![cx.value_arg(w)],
        Node::Ellipsis => Vec::new(),
        Node::Optional(inner) => {
            let Some(mut arg) = one(convert_seq(inner, cx)) else { return Vec::new() };
            arg.optional = true;
            vec![arg]
        }
        Node::Group(inner) => one(convert_seq(inner, cx)).into_iter().collect(),
        Node::Alt(alts) => {
            let args: Vec<Arg> = alts.iter().filter_map(|a| one(convert_seq(a, cx))).collect();
            let name = args.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join("_");
            let mut o = Arg::new(name, ArgType::OneOf);
            o.args = args;
            vec![o]
        }
    }
}

/// The argument tree of `spec` (full name `fullname`), with `key_specs`
/// key specs to number key arguments against.
pub fn arguments(fullname: &str, spec: &CommandSpec, key_specs: usize) -> Vec<Arg> {
    let toks = tokenize(spec.syntax);
    let mut pos = 0;
    let nodes = parse_alt(&toks, &mut pos, None);
    let mut cx = Ctx { cmd: fullname, spec, keys: 0, key_specs: key_specs.max(1) };
    convert_seq(&nodes, &mut cx)
}

/// Renders arguments back as redis-cli 7 shows them in hints (for tests).
#[cfg(test)]
pub fn hint(args: &[Arg]) -> String {
    args.iter().map(hint_one).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
fn hint_one(a: &Arg) -> String {
    let token = a.token.clone().unwrap_or_default();
    let repeat = match a.kind {
        ArgType::OneOf => a.args.iter().map(hint_one).collect::<Vec<_>>().join("|"),
        ArgType::Block => a.args.iter().map(hint_one).collect::<Vec<_>>().join(" "),
        ArgType::PureToken => String::new(),
        _ => a.name.clone(),
    };
    let mut token_part = token.clone();
    if !token_part.is_empty() && a.kind != ArgType::PureToken {
        token_part.push(' ');
    }
    let mut s = String::new();
    if a.optional {
        s.push('[');
    }
    s.push_str(&token_part);
    s.push_str(&repeat);
    if a.multiple {
        s.push_str(" [");
        if a.multiple_token {
            s.push_str(&token_part);
        }
        s.push_str(&repeat);
        s.push_str(" ...]");
    }
    if a.optional {
        s.push(']');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::{CmdResult, Ctx as HCtx, Group};

    fn noop(_: &mut HCtx, _: &[bytes::Bytes]) -> CmdResult {
        Ok(())
    }

    fn args_of(name: &str, syntax: &'static str) -> Vec<Arg> {
        let spec = CommandSpec::new("x", -1, 0, Group::Generic, noop).doc("1.0.0", "x", "O(1)", syntax);
        arguments(name, &spec, 3)
    }

    fn hint_of(name: &str, syntax: &'static str) -> String {
        hint(&args_of(name, syntax))
    }

    #[test]
    fn hints_read_like_redis_cli() {
        assert_eq!(
            hint_of(
                "set",
                "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]"
            ),
            "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]"
        );
        assert_eq!(hint_of("del", "key [key ...]"), "key [key ...]");
        assert_eq!(
            hint_of("zadd", "key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]"),
            "key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]"
        );
        assert_eq!(
            hint_of(
                "zunion",
                "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]"
            ),
            "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]"
        );
        assert_eq!(
            hint_of("client|tracking", "<ON | OFF> [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]] [BCAST]"),
            "ON|OFF [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]] [BCAST]"
        );
        assert_eq!(
            hint_of("hello", "[protover [AUTH username password] [SETNAME clientname]]"),
            "[protover [AUTH username password] [SETNAME clientname]]"
        );
        assert_eq!(
            hint_of("zrangebyscore", "key min max [WITHSCORES] [LIMIT offset count]"),
            "key min max [WITHSCORES] [LIMIT offset count]"
        );
        assert_eq!(hint_of("x", ""), "");
    }

    #[test]
    fn types_tokens_and_flags() {
        let a = args_of("set", "key value [NX | XX] [EX seconds | KEEPTTL]");
        assert_eq!(a[0].kind, ArgType::Key);
        assert_eq!(a[0].key_spec_index, Some(0));
        assert_eq!(a[1].kind, ArgType::String);
        assert_eq!(a[2].kind, ArgType::OneOf);
        assert!(a[2].optional);
        assert_eq!(a[2].args[0].kind, ArgType::PureToken);
        assert_eq!(a[2].args[0].token.as_deref(), Some("NX"));
        assert_eq!(a[2].args[0].name, "nx");
        let ex = &a[3].args[0];
        assert_eq!((ex.name.as_str(), ex.kind, ex.token.as_deref()), ("seconds", ArgType::Integer, Some("EX")));
        let z = args_of("zadd", "key score member [score member ...]");
        assert_eq!(z[1].kind, ArgType::Block);
        assert!(z[1].multiple);
        assert_eq!(z[1].args[0].kind, ArgType::Double);
        let m = args_of("lmove", "source destination <LEFT | RIGHT> <LEFT | RIGHT>");
        assert_eq!((m[0].key_spec_index, m[1].key_spec_index), (Some(0), Some(1)));
        assert_eq!(m[2].kind, ArgType::OneOf);
        assert!(!m[2].optional);
        let t = args_of("client|tracking", "[PREFIX prefix [PREFIX prefix ...]]");
        assert!(t[0].multiple && t[0].multiple_token && t[0].optional);
        let w = args_of("zunion", "[WEIGHTS weight [weight ...]]");
        assert!(w[0].multiple && !w[0].multiple_token && w[0].optional);
        assert_eq!(w[0].token.as_deref(), Some("WEIGHTS"));
    }
}
