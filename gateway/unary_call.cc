#include "unary_call.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/unknown_field_set.h>

#include <string>
#include <vector>

#include "common/text.h"

namespace natter::gateway {
namespace {

namespace pb = google::protobuf;

// Nested messages are checked this deep; protobuf itself refuses deeper ones.
constexpr int kMaxDepth = 32;

std::string Flatten(const grpc::ByteBuffer& bytes) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!bytes.Dump(&slices).ok()) return out;
  out.reserve(bytes.Length());
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

// The wire fields of `fields` against `type`: the first string field that is not UTF-8, or a
// nested message that does not parse, named by its path ("profile.display_name").
grpc::Status CheckFields(const pb::UnknownFieldSet& fields, const pb::Descriptor& type,
                         const std::string& root, const std::string& path, int depth) {
  auto invalid = [&](const std::string& what) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "invalid " + root + ": " + what);
  };
  if (depth > kMaxDepth) return invalid("messages nested more than 32 deep");
  for (int i = 0; i < fields.field_count(); ++i) {
    const pb::UnknownField& field = fields.field(i);
    if (field.type() != pb::UnknownField::TYPE_LENGTH_DELIMITED) continue;
    const pb::FieldDescriptor* described = type.FindFieldByNumber(field.number());
    if (described == nullptr) continue;  // unknown fields are kept and ignored, as protobuf does
    std::string name = path.empty() ? described->name() : path + "." + described->name();
    if (described->type() == pb::FieldDescriptor::TYPE_STRING) {
      if (!IsValidUtf8(field.length_delimited())) {
        return invalid("field \"" + name + "\" is not valid UTF-8 (use UTF-8 for all text)");
      }
    } else if (described->type() == pb::FieldDescriptor::TYPE_MESSAGE) {
      pb::UnknownFieldSet nested;
      if (!nested.ParseFromString(field.length_delimited())) {
        return invalid("field \"" + name + "\" is not a valid " +
                       described->message_type()->full_name());
      }
      grpc::Status checked = CheckFields(nested, *described->message_type(), root, name, depth + 1);
      if (!checked.ok()) return checked;
    }
  }
  return grpc::Status::OK;
}

}  // namespace

std::optional<uint64_t> VarintField(const grpc::ByteBuffer& bytes, int number) {
  pb::UnknownFieldSet fields;
  if (!fields.ParseFromString(Flatten(bytes))) return std::nullopt;
  for (int i = 0; i < fields.field_count(); ++i) {
    const pb::UnknownField& field = fields.field(i);
    if (field.number() == number && field.type() == pb::UnknownField::TYPE_VARINT) {
      return field.varint();
    }
  }
  return std::nullopt;
}

grpc::Status ParseRequest(const grpc::ByteBuffer& bytes, pb::Message& message) {
  const pb::Descriptor& type = *message.GetDescriptor();
  std::string wire = Flatten(bytes);
  // Parsed as bare fields first: protobuf's own parser would log an ERROR line for every string
  // that is not UTF-8, and say nothing about which one.
  pb::UnknownFieldSet fields;
  if (!fields.ParseFromString(wire)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the request is not a valid " + type.full_name() +
                            " (its bytes do not parse as a protocol buffer message)");
  }
  grpc::Status checked = CheckFields(fields, type, type.full_name(), "", 0);
  if (!checked.ok()) return checked;
  if (!message.ParseFromString(wire)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the request is not a valid " + type.full_name());
  }
  return grpc::Status::OK;
}

}  // namespace natter::gateway
