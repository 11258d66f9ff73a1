//! The registry of connected clients. Each client's state sits in its own
//! `RefCell` inside a slot that its connection task also holds; another
//! client's command (CLIENT KILL, a push that serves a blocked client, a
//! PUBLISH) borrows that state and wakes the task through `wake`. Only the
//! executing client's state is ever borrowed while a command runs, so such
//! borrows never conflict; code that may target the caller itself checks the
//! id first.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use tokio::net::TcpStream;
use tokio::sync::Notify;

use super::client::Client;

pub struct ClientSlot {
    pub id: u64,
    pub state: RefCell<Client>,
    /// Wakes the connection task: something was written to its output, or it
    /// must close.
    pub wake: Notify,
    /// The connection. Its task reads and writes it; while a script is busy
    /// the server answers through it directly (`server::busy`).
    pub stream: TcpStream,
}

#[derive(Default)]
pub struct Clients {
    map: BTreeMap<u64, Rc<ClientSlot>>,
    next_id: u64,
}

impl Clients {
    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn add(&mut self, client: Client, stream: TcpStream) -> Rc<ClientSlot> {
        let slot = Rc::new(ClientSlot { id: client.id, state: RefCell::new(client), wake: Notify::new(), stream });
        self.map.insert(slot.id, slot.clone());
        slot
    }

    pub fn remove(&mut self, id: u64) -> Option<Rc<ClientSlot>> {
        self.map.remove(&id)
    }

    pub fn get(&self, id: u64) -> Option<&Rc<ClientSlot>> {
        self.map.get(&id)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Slots in id order (CLIENT LIST order).
    pub fn iter(&self) -> impl Iterator<Item = &Rc<ClientSlot>> {
        self.map.values()
    }

    /// Calls `f` on every client in id order. `me` is the caller, whose own
    /// slot is borrowed while its command runs: it stands in for that slot.
    pub fn for_each(&self, me: &Client, mut f: impl FnMut(&Client)) {
        for slot in self.map.values() {
            if slot.id == me.id {
                f(me);
            } else if let Ok(c) = slot.state.try_borrow() {
                f(&c);
            }
        }
    }

    /// Disconnects another client at once (CLIENT KILL): it leaves the
    /// registry now and its task closes the socket when woken, without
    /// writing what is pending. Returns false if no such client.
    pub fn kill(&mut self, id: u64) -> bool {
        let Some(slot) = self.map.remove(&id) else {
            return false;
        };
        if let Ok(mut c) = slot.state.try_borrow_mut() {
            c.close_asap = true;
        }
        slot.wake.notify_one();
        true
    }
}
