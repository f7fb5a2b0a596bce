//! Commits (RFC 9420 §12.4).

use crate::codec::{Decode, Encode, List, Reader, Writer};
use crate::error::{Error, Result};
use crate::proposal::Proposal;
use crate::treekem::UpdatePath;

/// `ProposalOrRef` (§12.4): a proposal by value or by reference.
// Views live on the stack and there is no heap to box a large variant into.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ProposalOrRef<'a> {
    /// `proposal` (1): the proposal itself.
    Proposal(Proposal<'a>),
    /// `reference` (2): a `ProposalRef` (§5.2).
    Reference(&'a [u8]),
}

impl<'a> Decode<'a> for ProposalOrRef<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        match r.u8()? {
            1 => Ok(ProposalOrRef::Proposal(Proposal::decode(r)?)),
            2 => Ok(ProposalOrRef::Reference(r.vec_bytes()?)),
            v => Err(Error::UnknownValue {
                field: "proposal_or_ref_type",
                value: v.into(),
            }),
        }
    }
}

impl Encode for ProposalOrRef<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        match self {
            ProposalOrRef::Proposal(p) => {
                w.u8(1);
                p.encode(w);
            }
            ProposalOrRef::Reference(r) => {
                w.u8(2);
                w.vec_bytes(r);
            }
        }
    }
}

/// `Commit` (§12.4).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Commit<'a> {
    /// `proposals`, in the order they apply.
    pub proposals: List<'a, ProposalOrRef<'a>>,
    /// `path`, when the committer refreshes its direct path.
    pub path: Option<UpdatePath<'a>>,
}

impl<'a> Decode<'a> for Commit<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(Commit {
            proposals: List::decode(r)?,
            path: Option::decode(r)?,
        })
    }
}

impl Encode for Commit<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        self.proposals.encode(w);
        self.path.encode(w);
    }
}
