@appendix-b @secure-element
Feature: Secure Element functions (OBF draft B.2.2.2)
  The Secure Element deciphers commands for the device (seDecryptData) and ciphers the device's data
  (seEncryptData), with separate keysets for the two functions at the same key index (B.2.2.2.1 NOTE 1).
  The harness talks to the SE directly, over the profile's APDUs (docs/profile/apdus.md).

  Background:
    Given device "A" with its Secure Element
    And the Application Server has imported the keys of device "A"

  @OBF-B.2.2.2.1 @OBF-B.2-up-1 @TP/OBF/SE/GEN/BV-01
  Scenario: The Secure Element reports the ICCID that identifies the device
    When the harness reads EF_ICCID from the Secure Element of device "A"
    Then the ICCID read is the ICCID of device "A"

  @OBF-B.2.2.2.1 @TP/OBF/SE/DEC/BV-01
  Scenario: seDecryptData returns the command the Application Server encrypted
    Given the Application Server encrypts "#ip1 192.0.2.10 8080" for device "A" with key index 1 and ReplayCheck
    When the harness sends the command to the Secure Element of device "A" with ReplayCheck
    Then the Secure Element answers status "9000" with the data "#ip1 192.0.2.10 8080"

  @OBF-B.2.2.2.1 @OBF-B.2-down-3 @TP/OBF/SE/DEC/BI-01 @needs-replay-check
  Scenario: seDecryptData gives an empty answer to a replayed command when ReplayCheck is requested
    Given the Application Server encrypts "#ip1 192.0.2.10 8080" for device "A" with key index 1 and ReplayCheck
    And the harness sends the command to the Secure Element of device "A" with ReplayCheck
    When the harness sends the command to the Secure Element of device "A" with ReplayCheck
    Then the Secure Element answers status "6985" with no data

  @OBF-B.2.2.2.1 @OBF-B.2-down-2 @TP/OBF/SE/DEC/BI-02
  Scenario: seDecryptData refuses a command whose ciphertext was altered
    Given the Application Server encrypts "#ip1 192.0.2.10 8080" for device "A" with key index 1 and ReplayCheck
    And an attacker flips one bit in the last byte of the command
    When the harness sends the command to the Secure Element of device "A" with ReplayCheck
    Then the Secure Element answers status "6988" with no data

  @OBF-B.2.2.2.1 @TP/OBF/SE/DEC/BI-03
  Scenario: seDecryptData refuses a command below the profile's security level
    Given the draft's sample command packet of B.2.3
    When the harness sends the command to the Secure Element of device "A" with ReplayCheck
    Then the Secure Element answers status "6982" with no data

  @OBF-B.2.2.2.2 @TP/OBF/SE/ENC/BV-01
  Scenario: seEncryptData ciphers and signs the data with the encryption keyset and adds a checked counter
    When the harness asks the Secure Element of device "A" to encrypt "$HLM,battery=87" with key index 1 and ReplayCheck
    And the harness asks the Secure Element of device "A" to encrypt "$HLM,battery=86" with key index 1 and ReplayCheck
    Then each packet is ciphered, carries a valid CC under the uplink keyset of device "A" and deciphers to its data
    And the packets' counters strictly increase
    And the packets ask the receiver to check the counter

  @OBF-B.2.2.2.2 @TP/OBF/SE/ENC/BV-02
  Scenario: seEncryptData uses a keyset other than the decryption keyset at the same key index
    When the harness asks the Secure Element of device "A" to encrypt "$HLM,battery=87" with key index 1 and ReplayCheck
    Then the packet cannot be verified with the downlink keyset of device "A"

  @OBF-B.2.2.2.2 @OBF-B.2-up-4 @TP/OBF/SE/ENC/BV-03
  Scenario: seEncryptData without ReplayCheck still advances the counter, so equal data never gives equal packets
    When the harness asks the Secure Element of device "A" to encrypt "$HLM,battery=87" with key index 1 without ReplayCheck
    And the harness asks the Secure Element of device "A" to encrypt "$HLM,battery=87" with key index 1 without ReplayCheck
    Then the packets' counters strictly increase
    And the two packets differ
