// Reads a model spec for the command-line tools from a key=value file (the library itself
// takes the typed header's constant; tools that serve any model read it at run time):
//   name=m input_blob=0 output_blob=120 input_name=data output_name=fc1 width=112 height=112
//   order=rgb mean=127.5,127.5,127.5 norm=0.00784,0.00784,0.00784 embedding_size=128 int8=0
#pragma once

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "edgeface/model_spec.h"

struct SpecStrings {
  std::string name, input_name, output_name;
};

inline void read_floats3(const std::string& v, float out[3], const std::string& key) {
  std::stringstream ss(v);
  std::string item;
  for (int i = 0; i < 3; i++) {
    if (!std::getline(ss, item, ',')) throw std::runtime_error("spec: " + key + " needs 3 comma-separated numbers");
    out[i] = std::stof(item);
  }
}

inline edgeface_model_spec read_spec_file(const std::string& path, SpecStrings& strings) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open spec file");
  edgeface_model_spec s{};
  std::string tok;
  while (in >> tok) {
    const size_t eq = tok.find('=');
    if (eq == std::string::npos) throw std::runtime_error(path + ": '" + tok + "' is not key=value");
    const std::string k = tok.substr(0, eq), v = tok.substr(eq + 1);
    if (k == "name") strings.name = v;
    else if (k == "input_name") strings.input_name = v;
    else if (k == "output_name") strings.output_name = v;
    else if (k == "input_blob") s.input_blob = std::stoi(v);
    else if (k == "output_blob") s.output_blob = std::stoi(v);
    else if (k == "width") s.input_width = std::stoi(v);
    else if (k == "height") s.input_height = std::stoi(v);
    else if (k == "order") s.pixel_order = v == "bgr" ? EDGEFACE_BGR : EDGEFACE_RGB;
    else if (k == "mean") read_floats3(v, s.mean, k);
    else if (k == "norm") read_floats3(v, s.norm, k);
    else if (k == "embedding_size") s.embedding_size = std::stoi(v);
    else if (k == "int8") s.int8 = std::stoi(v);
    else throw std::runtime_error(path + ": unknown key '" + k + "'");
  }
  s.name = strings.name.c_str();
  s.input_name = strings.input_name.c_str();
  s.output_name = strings.output_name.c_str();
  s.sha256 = "";
  s.edgeface_version = "";
  return s;
}
