//! The on-chain contact form of a peer id and its addresses.

use conun_net::{
	contact::{
		dialable, from_contact, publishable, reachable_at, to_contact, unroutable, ContactError,
	},
	libp2p::{identity::Keypair, Multiaddr, PeerId},
};
use conun_primitives::{Contact, MAX_ADDRS};
use std::net::IpAddr;

#[test]
fn contacts_round_trip() {
	let peer = Keypair::generate_ed25519().public().to_peer_id();
	let addrs: Vec<Multiaddr> = vec![
		"/ip4/203.0.113.7/tcp/30444".parse().unwrap(),
		"/ip6/2001:db8::1/tcp/30444".parse().unwrap(),
		"/dns4/provider.example.org/tcp/30444".parse().unwrap(),
	];
	let contact = to_contact(&peer, &addrs).unwrap();
	assert_eq!(contact.peer_id.to_vec(), peer.to_bytes());
	assert_eq!(from_contact(&contact).unwrap(), (peer, addrs));
	assert_eq!(from_contact(&to_contact(&peer, &[]).unwrap()).unwrap(), (peer, vec![]));
}

#[test]
fn bad_contacts_are_refused() {
	let peer = PeerId::random();
	let addr: Multiaddr = "/ip4/127.0.0.1/tcp/1".parse().unwrap();
	let many = vec![addr.clone(); MAX_ADDRS as usize + 1];
	assert_eq!(
		to_contact(&peer, &many),
		Err(ContactError::TooManyAddrs { count: MAX_ADDRS as usize + 1 })
	);
	let long: Multiaddr = format!("/dns4/{}.example/tcp/1", "a".repeat(130)).parse().unwrap();
	assert!(matches!(to_contact(&peer, &[long]), Err(ContactError::AddrTooLong { .. })));

	let mut contact = to_contact(&peer, &[addr]).unwrap();
	contact.addrs[0] = vec![0xff, 0xff, 0xff].try_into().unwrap();
	assert_eq!(from_contact(&contact), Err(ContactError::BadAddr { index: 0 }));
	let garbage = Contact { peer_id: vec![1, 2, 3].try_into().unwrap(), ..Default::default() };
	assert_eq!(from_contact(&garbage), Err(ContactError::BadPeerId));
}

fn addr(text: &str) -> Multiaddr {
	text.parse().unwrap()
}

#[test]
fn wildcards_link_local_and_port_zero_are_unroutable() {
	for text in [
		"/ip4/0.0.0.0/tcp/30555",
		"/ip6/::/tcp/30555",
		"/ip4/169.254.3.4/tcp/30555",
		"/ip6/fe80::1/tcp/30555",
		"/ip4/192.0.2.7/tcp/0",
	] {
		assert!(unroutable(&addr(text)).is_some(), "{text}");
	}
	for text in ["/ip4/192.0.2.7/tcp/30555", "/ip4/127.0.0.1/tcp/1", "/dns4/w.example/tcp/1"] {
		assert!(dialable(&addr(text)), "{text}");
	}
}

#[test]
fn a_wildcard_becomes_each_interface_of_its_family_with_loopback_last() {
	let interfaces: Vec<IpAddr> = ["127.0.0.1", "192.0.2.7", "2001:db8::7", "169.254.1.1"]
		.iter()
		.map(|ip| ip.parse().unwrap())
		.collect();
	assert_eq!(
		reachable_at(&addr("/ip4/0.0.0.0/tcp/30555"), &interfaces),
		vec![addr("/ip4/192.0.2.7/tcp/30555"), addr("/ip4/127.0.0.1/tcp/30555")]
	);
	assert_eq!(
		reachable_at(&addr("/ip6/::/tcp/30555"), &interfaces),
		vec![addr("/ip6/2001:db8::7/tcp/30555")]
	);
	// A named address is published as it is; a port picked when listening cannot be.
	assert_eq!(
		reachable_at(&addr("/ip4/192.0.2.9/tcp/1"), &interfaces),
		vec![addr("/ip4/192.0.2.9/tcp/1")]
	);
	assert!(reachable_at(&addr("/ip4/0.0.0.0/tcp/0"), &interfaces).is_empty());
}

#[test]
fn what_is_published_is_dialable_loopback_last_once_and_bounded() {
	let mut addrs = vec![
		addr("/ip4/127.0.0.1/tcp/1"),
		addr("/ip4/0.0.0.0/tcp/1"),
		addr("/ip4/192.0.2.7/tcp/1"),
		addr("/ip4/192.0.2.7/tcp/1"),
	];
	assert_eq!(
		publishable(addrs.clone()),
		vec![addr("/ip4/192.0.2.7/tcp/1"), addr("/ip4/127.0.0.1/tcp/1")]
	);
	addrs = (1..=20).map(|port| addr(&format!("/ip4/192.0.2.7/tcp/{port}"))).collect();
	assert_eq!(publishable(addrs).len(), MAX_ADDRS as usize);
}
