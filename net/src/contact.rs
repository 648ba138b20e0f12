//! Converts between a libp2p peer id and addresses and the [`Contact`] stored on chain, which
//! holds their binary forms within fixed bounds.

use conun_primitives::{Contact, MAX_ADDRS, MAX_ADDR_LEN};
use libp2p::{multiaddr::Protocol, Multiaddr, PeerId};
use std::net::IpAddr;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ContactError {
	#[error("the peer id is not a valid libp2p peer id")]
	BadPeerId,
	#[error("address {index} is not a valid multiaddress")]
	BadAddr { index: usize },
	#[error("{count} addresses given, a contact holds at most {MAX_ADDRS}")]
	TooManyAddrs { count: usize },
	#[error("address {addr} is {len} bytes long, a contact holds at most {MAX_ADDR_LEN}")]
	AddrTooLong { addr: Multiaddr, len: usize },
	#[error("the peer id is too long for a contact")]
	PeerIdTooLong,
}

/// Why peers on other machines could never dial `addr`, if that is so: a wildcard IP (what a
/// server listens on, not an address), a link-local IP, or port 0 (the port is picked only when
/// listening). Loopback passes: it is what one-machine networks publish.
pub fn unroutable(addr: &Multiaddr) -> Option<&'static str> {
	// The port first: a wildcard with port 0 stays unroutable once the wildcard is expanded.
	if addr.iter().any(|part| matches!(part, Protocol::Tcp(0) | Protocol::Udp(0))) {
		return Some("port 0 is picked when listening, so peers cannot know it in advance");
	}
	addr.iter().find_map(|part| match part {
		Protocol::Ip4(ip) if ip.is_unspecified() => {
			Some("0.0.0.0 is a wildcard to listen on, not an address peers can dial")
		},
		Protocol::Ip6(ip) if ip.is_unspecified() => {
			Some(":: is a wildcard to listen on, not an address peers can dial")
		},
		Protocol::Ip4(ip) if ip.is_link_local() => {
			Some("a link-local address is reachable only on its own link")
		},
		Protocol::Ip6(ip) if (ip.segments()[0] & 0xffc0) == 0xfe80 => {
			Some("a link-local address is reachable only on its own link")
		},
		_ => None,
	})
}

/// Whether peers elsewhere could dial `addr` ([`unroutable`] finds nothing wrong).
pub fn dialable(addr: &Multiaddr) -> bool {
	unroutable(addr).is_none()
}

/// What of `addrs` to publish as a contact: the dialable ones, loopback last (peers on other
/// machines try the others first), each once, at most the [`MAX_ADDRS`] a contact holds.
pub fn publishable(mut addrs: Vec<Multiaddr>) -> Vec<Multiaddr> {
	addrs.retain(dialable);
	let is_loopback = |a: &Multiaddr| {
		a.iter().any(|p| match p {
			Protocol::Ip4(ip) => ip.is_loopback(),
			Protocol::Ip6(ip) => ip.is_loopback(),
			_ => false,
		})
	};
	addrs.sort_by_key(is_loopback);
	addrs.dedup();
	addrs.truncate(MAX_ADDRS as usize);
	addrs
}

/// The addresses a node listening on `listen` can be reached at: `listen` itself when it names
/// one IP, else one address for each of `interfaces` of the wildcard's family (IPv4 for 0.0.0.0,
/// IPv6 for ::), with the same port; then [`publishable`].
pub fn reachable_at(listen: &Multiaddr, interfaces: &[IpAddr]) -> Vec<Multiaddr> {
	let wildcard = listen.iter().find_map(|part| match part {
		Protocol::Ip4(ip) if ip.is_unspecified() => Some(false),
		Protocol::Ip6(ip) if ip.is_unspecified() => Some(true),
		_ => None,
	});
	let addrs: Vec<Multiaddr> = match wildcard {
		None => vec![listen.clone()],
		Some(v6) => interfaces
			.iter()
			.filter(|ip| ip.is_ipv6() == v6)
			.map(|ip| {
				listen
					.iter()
					.map(|part| match (part, ip) {
						(Protocol::Ip4(_), IpAddr::V4(v4)) => Protocol::Ip4(*v4),
						(Protocol::Ip6(_), IpAddr::V6(v6)) => Protocol::Ip6(*v6),
						(other, _) => other,
					})
					.collect()
			})
			.collect(),
	};
	publishable(addrs)
}

/// The on-chain form of a peer id and its addresses.
pub fn to_contact(peer: &PeerId, addrs: &[Multiaddr]) -> Result<Contact, ContactError> {
	if addrs.len() > MAX_ADDRS as usize {
		return Err(ContactError::TooManyAddrs { count: addrs.len() });
	}
	let mut contact = Contact {
		peer_id: peer.to_bytes().try_into().map_err(|_| ContactError::PeerIdTooLong)?,
		..Default::default()
	};
	for addr in addrs {
		let bytes = addr.to_vec();
		let len = bytes.len();
		let bytes = bytes
			.try_into()
			.map_err(|_| ContactError::AddrTooLong { addr: addr.clone(), len })?;
		contact
			.addrs
			.try_push(bytes)
			.map_err(|_| ContactError::TooManyAddrs { count: addrs.len() })?;
	}
	Ok(contact)
}

/// The peer id and addresses a contact names.
pub fn from_contact(contact: &Contact) -> Result<(PeerId, Vec<Multiaddr>), ContactError> {
	let peer = PeerId::from_bytes(&contact.peer_id).map_err(|_| ContactError::BadPeerId)?;
	let addrs = contact
		.addrs
		.iter()
		.enumerate()
		.map(|(index, bytes)| {
			Multiaddr::try_from(bytes.to_vec()).map_err(|_| ContactError::BadAddr { index })
		})
		.collect::<Result<_, _>>()?;
	Ok((peer, addrs))
}
