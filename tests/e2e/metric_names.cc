#include "e2e/metric_names.h"

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

namespace natter::testing {
namespace {

size_t IndentOf(const std::string& line) {
  size_t n = line.find_first_not_of(' ');
  return n == std::string::npos ? line.size() : n;
}

std::string Trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t"));
  s.erase(s.find_last_not_of(" \t\r") + 1);
  return s;
}

void CollectExprs(const nlohmann::json& j, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      if (key == "expr" && value.is_string()) {
        out.push_back(value.get<std::string>());
      } else {
        CollectExprs(value, out);
      }
    }
  } else if (j.is_array()) {
    for (const auto& v : j) CollectExprs(v, out);
  }
}

}  // namespace

std::vector<std::string> YamlExprs(std::string_view yaml) {
  static const std::regex kExpr(R"(^( *)(?:- +)?expr: *(.*)$)");
  std::vector<std::string> lines;
  std::istringstream in{std::string(yaml)};
  for (std::string line; std::getline(in, line);) lines.push_back(line);

  std::vector<std::string> exprs;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::smatch m;
    if (!std::regex_match(lines[i], m, kExpr)) continue;
    std::string value = Trim(m[2].str());
    if (value.empty() || value[0] == '>' || value[0] == '|') {
      // A block scalar: the lines indented deeper than the key (blank ones included).
      const size_t key_indent = IndentOf(lines[i]);
      std::string block;
      for (size_t j = i + 1; j < lines.size(); ++j) {
        if (!Trim(lines[j]).empty() && IndentOf(lines[j]) <= key_indent) break;
        block += lines[j] + "\n";
        i = j;
      }
      exprs.push_back(block);
    } else {
      if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
          value.back() == value.front()) {
        value = value.substr(1, value.size() - 2);
      }
      exprs.push_back(value);
    }
  }
  return exprs;
}

std::vector<std::string> JsonExprs(std::string_view json) {
  std::vector<std::string> exprs;
  CollectExprs(nlohmann::json::parse(json), exprs);
  return exprs;
}

std::string MetricOf(std::string_view series) {
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (series.size() > suffix.size() && series.ends_with(suffix)) {
      return std::string(series.substr(0, series.size() - suffix.size()));
    }
  }
  return std::string(series);
}

std::set<std::string> QueriedMetrics(const std::vector<std::string>& exprs) {
  // A name is not part of a longer identifier (a label value such as "my_natter_x" or a recording
  // rule's "job:natter_x:rate5m" is not a metric of ours).
  static const std::regex kName(R"((^|[^A-Za-z0-9_:])(natter_[a-z0-9_]+))");
  std::set<std::string> names;
  for (const std::string& expr : exprs) {
    for (std::sregex_iterator it(expr.begin(), expr.end(), kName), end; it != end; ++it) {
      names.insert(MetricOf((*it)[2].str()));
    }
  }
  return names;
}

std::set<std::string> ExportedMetrics(std::string_view page) {
  static const std::regex kType(R"(^# TYPE (natter_[a-z0-9_]+) )");
  static const std::regex kSample(R"(^(natter_[a-z0-9_]+)[{ ])");
  std::set<std::string> names;
  std::istringstream in{std::string(page)};
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, kType) || std::regex_search(line, m, kSample)) {
      names.insert(MetricOf(m[1].str()));
    }
  }
  return names;
}

std::vector<std::string> UnknownMetrics(const std::set<std::string>& queried,
                                        const std::set<std::string>& exported) {
  std::vector<std::string> unknown;
  for (const std::string& name : queried) {
    if (!exported.contains(name)) unknown.push_back(name);
  }
  return unknown;
}

}  // namespace natter::testing
