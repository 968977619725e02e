# edgeface CMake hook: converts (and optionally quantizes and gates) a face model at build
# time and hands the result to a target. Works the same in an Android NDK build
# (externalNativeBuild), an iOS CMake build and a desktop build. Documented in
# targets/README.md.
#
#   include(path/to/edgeface/targets/cmake/edgeface.cmake)
#   edgeface_add_model(<target> MODEL <model.onnx>
#                      [NAME <m>]                      # default: the model file's stem
#                      [INT8 CALIB <dir>]              # quantize with these calibration images
#                      [MAX_DROP <pp> [MIN_COSINE <c>] LFW <dir>]  # INT8 accuracy gate
#                      [EMBED | FILES])                # default EMBED
#
# EMBED: <m>.mem.h (the model as C arrays <m>_param_bin / <m>_bin) and edgeface_<m>.h (the
#        typed spec edgeface_<m>_spec) are generated and the target gets their folder on its
#        include path.  FILES: <m>.param.bin and <m>.bin are generated for the app to
#        package; their paths are set in the caller's scope as EDGEFACE_<m>_PARAM_BIN and
#        EDGEFACE_<m>_BIN, the header folder as EDGEFACE_<m>_INCLUDE_DIR (both modes).
#
# The model step runs `edgeface build` (EDGEFACE_EXECUTABLE, a path or a command list such
# as "node;/path/to/edgeface/dist/src/cli.js"; else `edgeface` on PATH) on a manifest the
# hook writes into the build tree. Everything it reads is declared: the model and its
# external data, each calibration image (a file added to or removed from the folder is
# noticed too), the options (the manifest's content) and the edgeface version. Outputs go to
# <build>/edgeface/<m>/, never to the source tree. A failed gate fails the build with
# edgeface's one-line reason.
include_guard(GLOBAL)

function(_edgeface_find_executable out)
  if(EDGEFACE_EXECUTABLE)
    set(${out} "${EDGEFACE_EXECUTABLE}" PARENT_SCOPE)
    return()
  endif()
  find_program(_edgeface_exe edgeface)
  if(NOT _edgeface_exe)
    message(FATAL_ERROR "edgeface_add_model: edgeface not found on PATH; install it (npm) or set EDGEFACE_EXECUTABLE")
  endif()
  set(${out} "${_edgeface_exe}" PARENT_SCOPE)
endfunction()

# Writes content to file only when it differs, so the file's time stamp changes only with it.
function(_edgeface_write_if_changed file content)
  set(old "")
  if(EXISTS "${file}")
    file(READ "${file}" old)
  endif()
  if(NOT old STREQUAL content)
    file(WRITE "${file}" "${content}")
  endif()
endfunction()

function(_edgeface_json_string out value)
  string(REPLACE "\\" "\\\\" value "${value}")
  string(REPLACE "\"" "\\\"" value "${value}")
  set(${out} "\"${value}\"" PARENT_SCOPE)
endfunction()

function(edgeface_add_model target)
  cmake_parse_arguments(EF "INT8;EMBED;FILES" "MODEL;NAME;CALIB;MAX_DROP;MIN_COSINE;LFW" "" ${ARGN})
  if(EF_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "edgeface_add_model(${target}): unknown arguments: ${EF_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "edgeface_add_model: '${target}' is not a target (create it with add_executable/add_library first)")
  endif()
  if(NOT EF_MODEL)
    message(FATAL_ERROR "edgeface_add_model(${target}): MODEL <file.onnx> is required")
  endif()
  if(EF_EMBED AND EF_FILES)
    message(FATAL_ERROR "edgeface_add_model(${target}): give EMBED or FILES, not both")
  endif()
  if(EF_INT8 AND NOT EF_CALIB)
    message(FATAL_ERROR "edgeface_add_model(${target}): INT8 needs CALIB <folder of calibration images>")
  endif()
  if(EF_CALIB AND NOT EF_INT8)
    message(FATAL_ERROR "edgeface_add_model(${target}): CALIB given without INT8")
  endif()
  if((EF_MAX_DROP OR EF_MIN_COSINE) AND NOT (EF_INT8 AND EF_LFW))
    message(FATAL_ERROR "edgeface_add_model(${target}): MAX_DROP/MIN_COSINE gate an INT8 model and need INT8 and LFW <dir>")
  endif()

  get_filename_component(model "${EF_MODEL}" ABSOLUTE)
  if(NOT EXISTS "${model}")
    message(FATAL_ERROR "edgeface_add_model(${target}): ${model}: no such file")
  endif()
  if(EF_NAME)
    set(name "${EF_NAME}")
  else()
    get_filename_component(name "${model}" NAME_WE)
    string(MAKE_C_IDENTIFIER "${name}" name)
  endif()
  _edgeface_find_executable(edgeface)

  set(root "${CMAKE_CURRENT_BINARY_DIR}/edgeface")
  set(outdir "${root}/${name}")
  set(manifest "${root}/${name}.edgeface.json")
  file(MAKE_DIRECTORY "${outdir}")

  # The manifest holds every option: its content changes exactly when they do.
  _edgeface_json_string(j_name "${name}")
  _edgeface_json_string(j_model "${model}")
  set(fields "\"name\": ${j_name}, \"model\": ${j_model}")
  set(inputs "${model}")
  if(EF_INT8)
    get_filename_component(calib "${EF_CALIB}" ABSOLUTE)
    if(NOT IS_DIRECTORY "${calib}")
      message(FATAL_ERROR "edgeface_add_model(${target}): CALIB ${calib}: not a folder")
    endif()
    _edgeface_json_string(j_calib "${calib}")
    string(APPEND fields ", \"int8\": true, \"calib\": ${j_calib}")
    # CONFIGURE_DEPENDS: an image added or removed re-runs the configure step, so the list stays whole.
    file(GLOB_RECURSE calib_files CONFIGURE_DEPENDS LIST_DIRECTORIES false "${calib}/*")
    list(APPEND inputs ${calib_files})
  endif()
  if(EF_LFW)
    get_filename_component(lfw "${EF_LFW}" ABSOLUTE)
    _edgeface_json_string(j_lfw "${lfw}")
    set(gate "\"lfw\": ${j_lfw}")
    if(EF_MAX_DROP)
      string(APPEND gate ", \"maxDrop\": ${EF_MAX_DROP}")
    endif()
    if(EF_MIN_COSINE)
      string(APPEND gate ", \"minCosine\": ${EF_MIN_COSINE}")
    endif()
    string(APPEND fields ", \"gate\": { ${gate} }")
    if(EXISTS "${lfw}/pairs.txt")
      list(APPEND inputs "${lfw}/pairs.txt")
    endif()
  endif()
  if(EF_FILES)
    string(APPEND fields ", \"outputs\": [\"param-bin\", \"typed-header\"]")
  else()
    string(APPEND fields ", \"outputs\": [\"param-bin\", \"mem-h\", \"typed-header\"]")
  endif()
  _edgeface_write_if_changed("${manifest}" "{ \"models\": [ { ${fields} } ] }\n")

  # The edgeface version, recorded at configure time: upgrading edgeface reruns the model step.
  execute_process(COMMAND ${edgeface} --version OUTPUT_VARIABLE version OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE rc ERROR_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "edgeface_add_model: '${edgeface} --version' failed; set EDGEFACE_EXECUTABLE to a working edgeface")
  endif()
  _edgeface_write_if_changed("${root}/${name}.edgeface-version" "${version}\n")

  # Inputs edgeface itself reports (external data files...), when it can list them.
  execute_process(COMMAND ${edgeface} build --manifest "${manifest}" --model "${name}" --list-inputs
                  OUTPUT_VARIABLE listed RESULT_VARIABLE rc ERROR_QUIET)
  if(rc EQUAL 0 AND listed)
    string(REPLACE "\n" ";" listed "${listed}")
    list(APPEND inputs ${listed})
  else()
    # Fallback: ONNX external data lives beside the model under its name.
    get_filename_component(model_dir "${model}" DIRECTORY)
    get_filename_component(model_file "${model}" NAME)
    file(GLOB siblings "${model_dir}/${model_file}.*" "${model_dir}/${model_file}_data" "${model_dir}/*.onnx_data")
    list(APPEND inputs ${siblings})
  endif()
  list(FILTER inputs EXCLUDE REGEX "^$")
  list(REMOVE_DUPLICATES inputs)

  set(param_bin "${outdir}/${name}.param.bin")
  set(bin "${outdir}/${name}.bin")
  set(header "${outdir}/edgeface_${name}.h")
  set(generated "${param_bin}" "${bin}" "${header}" "${outdir}/${name}.id.h")
  if(NOT EF_FILES)
    list(APPEND generated "${outdir}/${name}.mem.h")
  endif()
  # `edgeface build` leaves its outputs untouched when its own stamp matches (same input
  # content); the step's time stamp is a separate file, so a touched but unchanged input
  # reruns only this step, not the compiles that include the headers.
  set(step_stamp "${root}/${name}.cmake-stamp")
  add_custom_command(
    OUTPUT "${step_stamp}"
    BYPRODUCTS ${generated}
    COMMAND ${edgeface} build --manifest "${manifest}" --model "${name}" -o "${root}"
    COMMAND "${CMAKE_COMMAND}" -E touch "${step_stamp}"
    DEPENDS ${inputs} "${manifest}" "${root}/${name}.edgeface-version"
    COMMENT "edgeface: building model ${name}"
    VERBATIM)
  add_custom_target(${target}_edgeface_${name} DEPENDS "${step_stamp}")
  add_dependencies(${target} ${target}_edgeface_${name})
  target_include_directories(${target} PRIVATE "${outdir}")
  if(NOT EF_FILES)
    set_source_files_properties("${outdir}/${name}.mem.h" "${header}" PROPERTIES GENERATED TRUE HEADER_FILE_ONLY TRUE)
    target_sources(${target} PRIVATE "${outdir}/${name}.mem.h" "${header}")
  endif()
  set(EDGEFACE_${name}_PARAM_BIN "${param_bin}" PARENT_SCOPE)
  set(EDGEFACE_${name}_BIN "${bin}" PARENT_SCOPE)
  set(EDGEFACE_${name}_INCLUDE_DIR "${outdir}" PARENT_SCOPE)
endfunction()
