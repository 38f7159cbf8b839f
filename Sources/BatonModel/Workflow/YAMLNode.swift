/// A composed YAML node with its position, built directly from libyaml events by ``YAMLComposer``.
///
/// Lighter than Yams' `Node` (no tags or resolver, plain scalars stay text) and it keeps repeated
/// mapping keys instead of refusing the document, so validation can report every duplicate at once.
/// Not `indirect`: the collections already live in arrays, so a scalar costs no box of its own.
enum YAMLNode: Sendable {
    case scalar(YAMLScalar)
    case mapping(YAMLMapping)
    case sequence(YAMLSequence)

    /// Where the node starts.
    var mark: SourceMark {
        switch self {
        case .scalar(let scalar): scalar.mark
        case .mapping(let mapping): mapping.mark
        case .sequence(let sequence): sequence.mark
        }
    }

    /// The scalar, if this node is one.
    var scalar: YAMLScalar? {
        if case .scalar(let scalar) = self { return scalar }
        return nil
    }

    /// The value of the first entry whose key is the scalar `key`, in a mapping.
    subscript(key: String) -> YAMLNode? {
        guard case .mapping(let mapping) = self else { return nil }
        return mapping.pairs.first { $0.key.scalar?.string == key }?.value
    }
}

struct YAMLScalar: Sendable {
    /// The scalar's text (plain and quoted scalars alike; no type resolution).
    let string: String
    let mark: SourceMark
}

struct YAMLMapping: Sendable, Sequence {
    /// Entries in source order, repeated keys included (``FirstKeyMarks`` finds them when decoding).
    let pairs: [(key: YAMLNode, value: YAMLNode)]
    let mark: SourceMark

    var count: Int { pairs.count }

    func makeIterator() -> IndexingIterator<[(key: YAMLNode, value: YAMLNode)]> { pairs.makeIterator() }
}

struct YAMLSequence: Sendable, Sequence {
    let items: [YAMLNode]
    let mark: SourceMark

    var count: Int { items.count }

    func makeIterator() -> IndexingIterator<[YAMLNode]> { items.makeIterator() }
}
