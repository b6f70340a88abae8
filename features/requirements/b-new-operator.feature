@requirements
Feature: 6.3.1 b) A device uses the authentication service of a new operator and keeps its applications
  Requirement 6.3.1 b): "users and devices shall be able to utilize the Authentication service from a new
  TSP/M2MSP as per the process defined in this recommendation", while they "remain loyal to the many applications".
  The profile's reading: after the device's eUICC enables the new operator's profile and the owner moves the
  device's rights, the device bootstraps with the new operator and the same Application Server, unchanged (same
  NAF_Id, same credential), gets the device's key from it. The card no longer answers the old operator.

  Background:
    Given device "A" whose eUICC holds profiles of "Operator A" and "Operator B"
    And Application Server "Fleet Owner" is registered with "Operator A" and "Operator B"
    And "Operator A" grants "Fleet Owner" rights over device "A" for "position"
    And device "A" has bootstrapped with "Operator A"

  @OBF-6.3.1-b @OBF-6.4.2-RPB @OBF-6.4.2-RPO @TP/OBF/REQ-B/BV-01
  Scenario: The device moves to a new operator and its Application Server keeps working
    When the eUICC of device "A" enables its profile of "Operator B"
    And "Operator B" grants "Fleet Owner" rights over device "A" for "position"
    And device "A" bootstraps with "Operator B"
    And Application Server "Fleet Owner" asks "Operator B" for the key of device "A"
    Then "Fleet Owner" gets the key the Secure Element of device "A" derives for it
    And the B-TID of device "A" names the realm of "Operator B"

  @OBF-6.3.1-b @OBF-6.4.2-RPB @TP/OBF/REQ-B/BI-01
  Scenario: After the move the card no longer answers the old operator's challenge
    When the eUICC of device "A" enables its profile of "Operator B"
    And device "A" bootstraps with "Operator A"
    Then the Secure Element of device "A" refuses the challenge with status "9862" and no B-TID is issued
