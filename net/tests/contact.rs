//! The on-chain contact form of a peer id and its addresses.

use conun_net::{
	contact::{from_contact, to_contact, ContactError},
	libp2p::{identity::Keypair, Multiaddr, PeerId},
};
use conun_primitives::{Contact, MAX_ADDRS};

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
