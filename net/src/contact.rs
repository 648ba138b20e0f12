//! Converts between a libp2p peer id and addresses and the [`Contact`] stored on chain, which
//! holds their binary forms within fixed bounds.

use conun_primitives::{Contact, MAX_ADDRS, MAX_ADDR_LEN};
use libp2p::{Multiaddr, PeerId};

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
