@reference-points @rpa @OBF-6.4.2-RPA
Feature: RPA, the application protocol secured with the bootstrapped keys (OBF draft 3.2 viii, 6.4.2; GBA Ua)
  RPA carries the application protocol, secured with the key material the Secure Element and the Authentication
  Server agreed on RPB. The profile's reading (docs/profile/apdus.md 10, http-api.md 9): the application protocol
  is the Appendix B secured packet; the card derives its packet keysets from Ks_int_NAF (GBA_U, never leaves the
  card) for the Application Server's NAF_Id and installs them at an RPA key index (08 to 0F); the Application
  Server, as the NAF, fetches Ks_int_NAF over RPO with the device's B-TID and derives the same keysets.

  Background:
    Given device "A" with its Secure Element
    And the Application Server acts as NAF "Fleet Tracker" for RPA
    And device "A" has bootstrapped with the Authentication Server

  @OBF-B.2-up-1 @OBF-B.2-down-1 @TP/OBF/RPA/BV-01
  Scenario: Uplink and downlink travel under the keysets both ends derive from the bootstrap
    Given the Resource Server grants "Fleet Tracker" rights over device "A" for "position"
    And the Secure Element of device "A" installs the RPA keyset of "Fleet Tracker" at key index 8
    When the Application Server sets up the RPA keys of device "A" for "Fleet Tracker" at key index 8
    Then the Application Server accepts the RPA key set-up
    When device "A" sends "$PVT,A,12.97160,77.59456" with key index 8 and ReplayCheck
    And the network delivers the packet to the Application Server as coming from device "A" with key index 8
    Then the Application Server returns the data "$PVT,A,12.97160,77.59456"
    Given the Application Server encrypts "#ip1 10.20.30.40 5000" for device "A" with key index 8 and ReplayCheck
    When the network delivers the command to device "A"
    Then device "A" executes the command
    And device "A" has server address ip1 set to "10.20.30.40" port 5000

  @OBF-6.1 @OBF-6.3.1-h @TP/OBF/RPA/BV-02
  Scenario: Two entitled Application Servers each get their own keyset for one bootstrap
    Given the Application Server acts as NAF "Insurer" for RPA
    And the Resource Server grants "Fleet Tracker" rights over device "A" for "position"
    And the Resource Server grants "Insurer" rights over device "A" for "mileage"
    And the Secure Element of device "A" installs the RPA keyset of "Fleet Tracker" at key index 8
    And the Secure Element of device "A" installs the RPA keyset of "Insurer" at key index 9
    When the Application Server sets up the RPA keys of device "A" for "Fleet Tracker" at key index 8
    And the Application Server sets up the RPA keys of device "A" for "Insurer" at key index 9
    And device "A" sends "$ODO,A,48213" with key index 9 and ReplayCheck
    And the network delivers the packet to the Application Server as coming from device "A" with key index 9
    Then the Application Server returns the data "$ODO,A,48213"
    When device "A" sends "$PVT,A,12.97160,77.59456" with key index 8 and ReplayCheck
    And the network delivers the packet to the Application Server as coming from device "A" with key index 8
    Then the Application Server returns the data "$PVT,A,12.97160,77.59456"

  @OBF-6.1 @OBF-6.3.1-h @OBF-B.2-up-1 @TP/OBF/RPA/BI-01
  Scenario: Data the device secured for another Application Server's NAF_Id is refused
    Given the Application Server acts as NAF "Insurer" for RPA
    And the Resource Server grants "Fleet Tracker" rights over device "A" for "position"
    And the Resource Server grants "Insurer" rights over device "A" for "mileage"
    And the Secure Element of device "A" installs the RPA keyset of "Insurer" at key index 8
    When the Application Server sets up the RPA keys of device "A" for "Fleet Tracker" at key index 8
    And the Application Server sets up the RPA keys of device "A" for "Insurer" at key index 9
    And device "A" sends "$ODO,A,48213" with key index 8 and ReplayCheck
    And the network delivers the packet to the Application Server as coming from device "A" with key index 8
    Then the Application Server refuses with error "INTEGRITY_FAILED"
    Given the Application Server encrypts "#ip1 10.20.30.40 5000" for device "A" with key index 8 and ReplayCheck
    When the network delivers the command to device "A"
    Then device "A" rejects the command at stage "secure-element" with status "6988"

  @OBF-6.1 @OBF-6.4.2-RPO @OBF-6.4.2-RPR @TP/OBF/RPA/BI-02
  Scenario: An Application Server never granted rights can neither read nor forge the device's traffic
    Given the Secure Element of device "A" installs the RPA keyset of "Fleet Tracker" at key index 8
    When the Application Server sets up the RPA keys of device "A" for "Fleet Tracker" at key index 8
    Then the Application Server refuses with error "KEY_MATERIAL_REFUSED"
    When device "A" sends "$PVT,A,12.97160,77.59456" with key index 8 and ReplayCheck
    And the network delivers the packet to the Application Server as coming from device "A" with key index 8
    Then the Application Server refuses with error "UNKNOWN_DEVICE"
    When the Application Server is asked to encrypt "#ip1 10.20.30.40 5000" for device "A" with key index 8
    Then the Application Server refuses with error "UNKNOWN_DEVICE"

  @OBF-6.1 @TP/OBF/RPA/BI-03
  Scenario: After a new bootstrap the old keyset stops working until both ends derive the new one
    Given the Resource Server grants "Fleet Tracker" rights over device "A" for "position"
    And the Secure Element of device "A" installs the RPA keyset of "Fleet Tracker" at key index 8
    And the Application Server sets up the RPA keys of device "A" for "Fleet Tracker" at key index 8
    When device "A" bootstraps with the Authentication Server
    And the Application Server encrypts "#ip1 10.20.30.40 5000" for device "A" with key index 8 and ReplayCheck
    And the network delivers the command to device "A"
    Then device "A" rejects the command at stage "secure-element" with status "6A88"
    When the Secure Element of device "A" installs the RPA keyset of "Fleet Tracker" at key index 8
    And the Application Server sets up the RPA keys of device "A" for "Fleet Tracker" at key index 8
    And the Application Server encrypts "#ip1 10.20.30.41 5001" for device "A" with key index 8 and ReplayCheck
    And the network delivers the command to device "A"
    Then device "A" executes the command

  @OBF-B.2-up-1 @OBF-6.4.2-RPO @TP/OBF/RPA/BI-04
  Scenario: The Application Server refuses to key a device with another device's B-TID
    Given device "B" with its Secure Element
    And device "B" has bootstrapped with the Authentication Server
    And the Resource Server grants "Fleet Tracker" rights over device "A" for "position"
    And the Resource Server grants "Fleet Tracker" rights over device "B" for "position"
    When the Application Server sets up the RPA keys of device "A" for "Fleet Tracker" at key index 8 with the B-TID of device "B"
    Then the Application Server refuses with error "BTID_NOT_OF_DEVICE"

  @OBF-6.1 @OBF-6.4.2-RPO @TP/OBF/RPA/BI-05
  Scenario: No RPA keys are set up for a bootstrap whose key lifetime has passed
    Given the Resource Server grants "Fleet Tracker" rights over device "A" for "position"
    And the key lifetime has passed
    When the Application Server sets up the RPA keys of device "A" for "Fleet Tracker" at key index 8
    Then the Application Server refuses with error "KEY_MATERIAL_REFUSED"
