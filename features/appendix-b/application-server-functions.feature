@appendix-b @application-server
Feature: Application Server functions (OBF draft B.2.2.3)
  The Application Server imports each device's keys from a trusted source (importKey), decrypts data that
  devices send (decryptData) and encrypts commands for them (encryptData). It identifies devices by ICCID,
  keeps separate keys per key function and key index, and answers every refusal with a distinct error code
  (docs/profile/http-api.md).

  Background:
    Given device "A" with its Secure Element
    And the Application Server has imported the keys of device "A"

  @OBF-B.2.2.3.1 @TP/OBF/AS/IMP/BV-01
  Scenario: A key imported for decryption is not used to encrypt
    Given the Application Server has imported only the decryption keys of device "B"
    When the Application Server is asked to encrypt "#ip1 10.1.1.1 5000" for device "B" with key index 1
    Then the Application Server refuses with error "UNKNOWN_KEY"

  @OBF-B.2.2.3.1 @TP/OBF/AS/IMP/BI-01
  Scenario: importKey refuses an ICCID whose Luhn check digit is wrong
    When a key is imported for device "A" under its ICCID with a wrong check digit
    Then the Application Server refuses with error "INVALID_ICCID"

  @OBF-B.2.2.3.2 @TP/OBF/AS/DEC/BV-01
  Scenario: decryptData returns the data a device sent
    When device "A" sends "$PVT,12.97160,77.59456,42" with key index 1 and ReplayCheck
    And the network delivers the packet to the Application Server as coming from device "A" with key index 1
    Then the Application Server returns the data "$PVT,12.97160,77.59456,42"

  @OBF-B.2.2.3.2 @TP/OBF/AS/DEC/BV-02 @needs-3des
  Scenario: decryptData works with the triple DES keyset at key index 2
    When device "A" sends "$HLM,battery=87" with key index 2 and ReplayCheck
    And the network delivers the packet to the Application Server as coming from device "A" with key index 2
    Then the Application Server returns the data "$HLM,battery=87"

  @OBF-B.2.2.3.2 @TP/OBF/AS/DEC/BI-01 @needs-3des
  Scenario: decryptData refuses a key index other than the one the packet was secured with
    When device "A" sends "$HLM,battery=87" with key index 1 and ReplayCheck
    And the network delivers the packet to the Application Server as coming from device "A" with key index 2
    Then the Application Server refuses with error "KEY_INDEX_MISMATCH"

  @OBF-B.2.2.3.2 @OBF-B.2-up-1 @TP/OBF/AS/DEC/BI-02
  Scenario: decryptData refuses a packet claimed for an ICCID it has no keys for
    When device "A" sends "$PVT,12.97160,77.59456,42" with key index 1 and ReplayCheck
    And the network delivers the packet to the Application Server as coming from an unknown ICCID with key index 1
    Then the Application Server refuses with error "UNKNOWN_DEVICE"

  @OBF-B.2.2.3.2 @TP/OBF/AS/DEC/BI-03
  Scenario: decryptData refuses an ICCID whose Luhn check digit is wrong
    When device "A" sends "$PVT,12.97160,77.59456,42" with key index 1 and ReplayCheck
    And the network delivers the packet to the Application Server as coming from device "A" with a wrong ICCID check digit
    Then the Application Server refuses with error "INVALID_ICCID"

  @OBF-B.2.2.3.3 @TP/OBF/AS/ENC/BV-01
  Scenario: encryptData makes a command the device executes
    When the Application Server encrypts "#ip1 10.20.30.40 9001" for device "A" with key index 1 and ReplayCheck
    And the network delivers the command to device "A"
    Then device "A" executes the command
    And device "A" has server address ip1 set to "10.20.30.40" port 9001

  @OBF-B.2.2.3.3 @TP/OBF/AS/ENC/BV-02
  Scenario: encryptData adds TRUST data: the counter advances with and without ReplayCheck
    When the Application Server encrypts "#ip2 10.0.0.2 7000" for device "A" with key index 1 and ReplayCheck
    And the Application Server encrypts "#ip2 10.0.0.2 7000" for device "A" with key index 1 and ReplayCheck
    And the Application Server encrypts "#ip2 10.0.0.2 7000" for device "A" with key index 1 without ReplayCheck
    And the Application Server encrypts "#ip2 10.0.0.2 7000" for device "A" with key index 1 without ReplayCheck
    Then the commands' counters strictly increase
    And the commands with ReplayCheck ask the receiver to check the counter
