# cmake -P script: install, build each consumer two ways (find_package, pkg-config), run both,
# compare their output. `consumer` uses the C++ API, `consumer_c` the C API from strict C99.
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

file(GLOB_RECURSE pc_files ${prefix}/*/kompress.pc)
list(GET pc_files 0 pc_file)
get_filename_component(pc_dir ${pc_file} DIRECTORY)
get_filename_component(libdir ${pc_dir} DIRECTORY)
set(ENV{PKG_CONFIG_PATH} ${pc_dir})
run(pkg-config --cflags --libs kompress)
string(STRIP "${last_output}" pc_flags)
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")

# Builds the consumer in CONSUMERS_DIR/`name` through find_package(kompress), then its `source`
# with the pkg-config flags and the command line `compile`; runs both with ARGN, fails unless
# they print the same, and checks that against the regex `expected`.
function(check_consumer name source compile expected)
  set(dir ${CONSUMERS_DIR}/${name})
  run(${CMAKE_COMMAND} -S ${dir} -B ${WORK_DIR}/${name}-cmake -DCMAKE_PREFIX_PATH=${prefix})
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/${name}-cmake)
  run(${WORK_DIR}/${name}-cmake/consumer ${ARGN})
  set(cmake_output "${last_output}")

  separate_arguments(compile UNIX_COMMAND "${compile}")
  run(${compile} ${dir}/${source} ${pc_flags} -o ${WORK_DIR}/${name}-pc)
  set(ENV{LD_LIBRARY_PATH} ${libdir})
  run(${WORK_DIR}/${name}-pc ${ARGN})
  unset(ENV{LD_LIBRARY_PATH})

  if(NOT "${last_output}" STREQUAL "${cmake_output}")
    message(FATAL_ERROR "the two ${name} builds disagree:\n${cmake_output}\n${last_output}")
  endif()
  if(NOT "${last_output}" MATCHES "${expected}")
    message(FATAL_ERROR "unexpected ${name} output:\n${last_output}")
  endif()
  message(STATUS "${name} output:\n${last_output}")
endfunction()

check_consumer(consumer main.cc "c++ -std=c++20" "ids: 0 1 2\n.*origin: yes" ${TOKENIZER})
file(GLOB_RECURSE model_configs ${prefix}/*/kompress/models/kompress-mini/config.json)
list(GET model_configs 0 model_config)
get_filename_component(model_dir ${model_config} DIRECTORY)
check_consumer(consumer_c main.c "cc -std=c99 -Wall -Wextra -Wpedantic -Werror"
               "kept [0-9]+ of [0-9]+ words\nretrieved original: yes\nbad folder named: yes"
               ${model_dir})
