//! `redis-rs-server [FILE|-] [--directive value ...]`, as redis-server.

use redis_rs_server::config::parse::{Invocation, from_args};
use redis_rs_server::server::{self, REDIS_VERSION, SERVER_VERSION};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let config = match from_args(&args) {
        Ok(Invocation::Run(config)) => config,
        Ok(Invocation::Version) => {
            println!("redis-rs-server v={SERVER_VERSION} (Redis {REDIS_VERSION} compatible) bits=64");
            return;
        }
        Ok(Invocation::Help) => {
            println!(
                "Usage: redis-rs-server [/path/to/redis.conf] [options] [-]\n       \
                 redis-rs-server - (read config from stdin)\n       \
                 redis-rs-server -v or --version\n       \
                 redis-rs-server -h or --help\n\n\
                 Examples:\n       \
                 redis-rs-server (run the server with default conf)\n       \
                 redis-rs-server /etc/redis/6379.conf\n       \
                 redis-rs-server --port 7777\n       \
                 redis-rs-server /etc/myredis.conf --loglevel verbose -"
            );
            return;
        }
        Err(msg) => {
            eprintln!("{msg}");
            std::process::exit(1);
        }
    };
    if let Err(e) = redis_rs_server::log::init(config.loglevel, &config.logfile) {
        eprintln!("Can't open the log file: {e}");
        std::process::exit(1);
    }
    if let Err(msg) = server::run(*config) {
        redis_rs_server::log::warning(&msg);
        eprintln!("{msg}");
        std::process::exit(1);
    }
}
