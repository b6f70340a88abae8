@appendix-b @device
Feature: Device functions (OBF draft B.2.2.1)
  A constrained device has no cryptography of its own. It validates what it can of an incoming packet
  (validateChecksum: the packet's structure, and the RC when it travels in clear), has its Secure Element
  decipher and check it (getDecryptedDataFromSE, always asking for the ReplayCheck), and only then executes the
  command. Its outgoing data is secured by the SE (getEncryptedDataFromSE).

  Background:
    Given device "A" with its Secure Element
    And the Application Server has imported the keys of device "A"

  @OBF-B.2.2.1.1 @TP/OBF/DEV/CHK/BI-01
  Scenario: validateChecksum rejects a packet whose RC no longer matches, before the SE sees it
    Given the draft's sample command packet of B.2.3
    And one byte of the command's data is changed in transit
    When the network delivers the command to device "A"
    Then device "A" rejects the command at stage "checksum"
    And device "A" has executed no command

  @OBF-B.2.2.1.1 @TP/OBF/DEV/CHK/BI-02
  Scenario: validateChecksum rejects a packet whose length field lies, before the SE sees it
    Given the Application Server encrypts "#ip1 10.20.30.40 9001" for device "A" with key index 1 and ReplayCheck
    And the command is cut short by 8 bytes in transit
    When the network delivers the command to device "A"
    Then device "A" rejects the command at stage "checksum"
    And device "A" has executed no command

  @OBF-B.2.2.1.2 @TP/OBF/DEV/DEC/BV-01
  Scenario: getDecryptedDataFromSE: the device executes a command the SE deciphered and checked
    Given the Application Server encrypts "#ip1 10.20.30.40 9001" for device "A" with key index 1 and ReplayCheck
    When the network delivers the command to device "A"
    Then device "A" executes the command
    And device "A" has server address ip1 set to "10.20.30.40" port 9001

  @OBF-B.2.2.1.2 @OBF-B.2-down-3 @TP/OBF/DEV/DEC/BI-01 @needs-replay-check
  Scenario: getDecryptedDataFromSE: a command delivered twice is executed once
    Given the Application Server encrypts "#ip1 10.20.30.40 9001" for device "A" with key index 1 and ReplayCheck
    And the network delivers the command to device "A"
    When the network delivers the command to device "A" again
    Then device "A" rejects the command at stage "secure-element" with status "6985"
    And device "A" has executed 1 command

  @OBF-B.2.2.1.3 @TP/OBF/DEV/ENC/BV-01
  Scenario: getEncryptedDataFromSE: the Application Server reads what the device sent
    When device "A" sends "$HLM,VTS01,battery=87,gps=ok" with key index 1 and ReplayCheck
    And the network delivers the packet to the Application Server as coming from device "A" with key index 1
    Then the Application Server returns the data "$HLM,VTS01,battery=87,gps=ok"
