# `cmake --install`: headers, the library, a CMake package (find_package(kompress)) and a
# pkg-config file.
include(CMakePackageConfigHelpers)

install(TARGETS kompress EXPORT kompressTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/kompress DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT kompressTargets NAMESPACE kompress:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kompress)

configure_package_config_file(cmake/kompressConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/kompressConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kompress)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/kompressConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/kompressConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/kompressConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kompress)

configure_file(cmake/kompress.pc.in ${CMAKE_CURRENT_BINARY_DIR}/kompress.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/kompress.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
