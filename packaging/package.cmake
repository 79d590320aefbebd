# The Debian package, built by `./dev package` (cpack -G DEB in the Release build directory):
# tend in /usr/bin, tend.service, /etc/tend/tend.toml (the example config: every key commented
# out, so Tend runs on its defaults) and /etc/tend/env (the tokens, root-only) as conffiles, the
# README as its documentation. Dependencies come from dpkg-shlibdeps (package dpkg-dev).
install(TARGETS tend RUNTIME DESTINATION bin)
install(FILES ${CMAKE_SOURCE_DIR}/config/tend.example.toml DESTINATION /etc/tend RENAME tend.toml)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/env DESTINATION /etc/tend PERMISSIONS OWNER_READ OWNER_WRITE)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/tend.service DESTINATION /lib/systemd/system)
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION share/doc/tend)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tend)
set(CPACK_PACKAGE_VENDOR "Tend")
set(CPACK_PACKAGE_CONTACT "Tend maintainers <tend@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "chat-bot that looks after peer volunteers: check-ins, boundaries, supervision, story follow-ups")
set(CPACK_PACKAGE_DESCRIPTION
    "Tend runs in Slack (and a local console) for teams of peer volunteers: people with lived\n"
    "experience of addiction, homelessness or mental ill-health who now support others. It keeps\n"
    "daily check-ins, role boundaries, supervision and follow-ups after someone shares their story.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Not linked, but read at run time: the time zone database and the CAs that TLS checks against.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "tzdata, ca-certificates")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${CMAKE_SOURCE_DIR}/packaging/conffiles;${CMAKE_SOURCE_DIR}/packaging/postinst;${CMAKE_SOURCE_DIR}/packaging/prerm;${CMAKE_SOURCE_DIR}/packaging/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
